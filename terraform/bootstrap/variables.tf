variable "region" {
  description = "AWS region of the deployment (the same as the workspaces')."
  type        = string
}

variable "project" {
  description = "Project name: the prefix of every AWS name the deploy role may manage."
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

variable "deploy_environments" {
  description = "GitHub environments whose jobs may assume the deploy role (one per workspace)."
  type        = list(string)
  default     = ["dev", "staging", "prod"]
}

variable "plan_environment" {
  description = "GitHub environment whose jobs (pull-request plans) may assume the read-only plan role."
  type        = string
  default     = "plan"
}

variable "state_bucket" {
  description = "Name of the S3 bucket that holds the Terraform state (see ../backend.hcl.example)."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the GitHub OIDC provider; false when the account already has one."
  type        = bool
  default     = true
}
