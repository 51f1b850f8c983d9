terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
  }

  # Partial configuration: the bucket, key and region come from backend.hcl
  # (copy backend.hcl.example). Workspaces live under env:/<workspace>/.
  backend "s3" {}
}
