terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
  }

  # This configuration creates the state bucket: the first apply runs on local state, which
  # is then moved into the bucket under its own key (README, "One-time setup"):
  #   terraform init -migrate-state -backend-config=../backend.hcl -backend-config="key=orderflow/bootstrap.tfstate"
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.project
      ManagedBy = "terraform-bootstrap"
    }
  }
}
