variable "name" {
  description = "AWS name of the table, e.g. orderflow-dev-orders."
  type        = string
}

variable "hash_key" {
  description = "Name of the string hash key attribute."
  type        = string
}

variable "ttl_attribute" {
  description = "Attribute holding the expiry epoch seconds; null for no TTL."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the table."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse DeleteTable while true."
  type        = bool
}
