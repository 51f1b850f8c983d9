variable "name" {
  description = "AWS name of the topic, e.g. orderflow-dev-order-events."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the topic."
  type        = string
}
