variable "region" {
  description = "AWS region of the deployment (the same as the workspaces')."
  type        = string
}

variable "project" {
  description = "Project name: the first part of every AWS name, <project>-<environment>-<thing>."
  type        = string
  default     = "orderflow"
}

variable "github_repository" {
  description = "The GitHub repository allowed to assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "environments" {
  description = "Terraform workspaces, each deployed by its own role from the GitHub environment of the same name."
  type        = list(string)
  default     = ["dev", "staging", "prod"]

  validation {
    condition     = alltrue([for env in var.environments : can(regex("^[a-z][a-z0-9]{1,15}$", env))])
    error_message = "Environment names are 2-16 lowercase letters and digits, starting with a letter."
  }
}

variable "deploy_branch" {
  description = "The only branch whose jobs may assume a deploy role (checked on the OIDC subject, which must include the ref; see the README)."
  type        = string
  default     = "main"
}

variable "promotion_source" {
  description = "Environment whose ECR repositories the other environments copy images from when promoting (read-only for them)."
  type        = string
  default     = "dev"
}

variable "email_senders" {
  description = "SES sender address per environment (email_sender in terraform/environments/<env>.tfvars); a deploy role manages only its own."
  type        = map(string)

  validation {
    condition     = alltrue([for sender in values(var.email_senders) : can(regex("^[^@\\s*]+@[^@\\s*]+\\.[^@\\s*]+$", sender))])
    error_message = "Every sender must be an email address (no wildcards)."
  }
}

variable "plan_environment" {
  description = "GitHub environment whose jobs (pull-request plans) may assume the read-only plan role."
  type        = string
  default     = "plan"
}

variable "plan_workspace" {
  description = "The workspace pull requests are planned against; the plan role reads only its state."
  type        = string
  default     = "dev"
}

variable "state_bucket" {
  description = "Name of the S3 bucket this configuration creates for the Terraform state (see ../backend.hcl.example)."
  type        = string
}

variable "state_key" {
  description = "key of the root module's backend configuration; workspace <ws> keeps its state at env:/<ws>/<state_key>."
  type        = string
  default     = "orderflow/terraform.tfstate"
}

variable "kms_deletion_window_days" {
  description = "Days before the state key is deleted after destroy (7-30)."
  type        = number
  default     = 30
}

variable "create_oidc_provider" {
  description = "Create the GitHub OIDC provider; false when the account already has one."
  type        = bool
  default     = true
}

variable "manage_api_gateway_account" {
  description = "Set the account's (per region) API Gateway CloudWatch Logs role here, the one place it is set; false if something else in the account already sets it."
  type        = bool
  default     = true
}
