variable "name" {
  description = "AWS name of the repository, e.g. orderflow-dev-order."
  type        = string
}

variable "untagged_expiry_days" {
  description = "Days after which an untagged image (never deployable) expires."
  type        = number

  validation {
    condition     = var.untagged_expiry_days >= 1
    error_message = "untagged_expiry_days must be at least 1."
  }
}

variable "lambda_function_arn_pattern" {
  description = "ArnLike pattern of the Lambda functions allowed to pull images, e.g. arn:aws:lambda:eu-west-1:123456789012:function:orderflow-dev-*."
  type        = string
}

variable "force_delete" {
  description = "Delete the repository on destroy even when it still holds images."
  type        = bool
}
