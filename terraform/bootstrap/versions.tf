terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
  }

  # Applied once by an admin; keep its state in the same bucket under another key:
  #   terraform init -backend-config=../backend.hcl -backend-config="key=orderflow/bootstrap.tfstate"
  backend "s3" {}
}

provider "aws" {
  region = var.region
}
