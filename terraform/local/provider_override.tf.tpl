# LOCAL EMULATOR ONLY. tests/infra copies the root module (and terraform/bootstrap)
# to a temporary directory and writes this file there as provider_override.tf, replacing
# __ENDPOINT__ with the loopback URL of an embedded moto server. It is never
# part of the production configuration: the .tpl suffix keeps Terraform from
# loading it in terraform/local/.

terraform {
  backend "local" {}
}

provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true

  endpoints {
    apigateway = "__ENDPOINT__"
    cloudwatch = "__ENDPOINT__"
    dynamodb   = "__ENDPOINT__"
    ecr        = "__ENDPOINT__"
    events     = "__ENDPOINT__"
    iam        = "__ENDPOINT__"
    kms        = "__ENDPOINT__"
    lambda     = "__ENDPOINT__"
    logs       = "__ENDPOINT__"
    s3         = "__ENDPOINT__"
    ses        = "__ENDPOINT__"
    sesv2      = "__ENDPOINT__"
    sns        = "__ENDPOINT__"
    sqs        = "__ENDPOINT__"
    sts        = "__ENDPOINT__"
  }
}
