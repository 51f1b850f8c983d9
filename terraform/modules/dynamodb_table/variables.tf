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

variable "stream_view_type" {
  description = "What the table's stream carries (e.g. NEW_IMAGE); null for no stream."
  type        = string
  default     = null
}

variable "indexes" {
  description = "Sparse global secondary indexes by name: a string hash key and a number range key, keys only."
  type = map(object({
    hash_key  = string
    range_key = string
  }))
  default = {}
}
