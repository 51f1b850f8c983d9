variable "name" {
  description = "AWS name of the key; the alias becomes alias/<name>."
  type        = string
}

variable "description" {
  description = "Human-readable description of what the key protects."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days KMS waits before deleting the key after destroy (7-30)."
  type        = number

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}
