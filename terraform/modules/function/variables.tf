variable "name" {
  description = "AWS name of the function, its role and its log group: <project>-<workspace>-<function>."
  type        = string
}

variable "image_uri" {
  description = "Full image URI: <repository_url>:<tag> or <repository_url>@sha256:<digest>."
  type        = string
}

variable "handler" {
  description = "Handler path set as the image command (image_config.command)."
  type        = string
}

variable "timeout_seconds" {
  description = "Function timeout from the topology declaration."
  type        = number
}

variable "memory_mb" {
  description = "Function memory from the topology declaration."
  type        = number
}

variable "architecture" {
  description = "Instruction set the images are built for: x86_64 or arm64."
  type        = string
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
}

variable "tables" {
  description = "Tables the function may use, keyed by environment variable: ARN, access (read or read_write), whether it deletes items (read_write only) and, for a read, the only attributes it may read (empty: all)."
  type = map(object({
    arn          = string
    access       = string
    delete_items = optional(bool, false)
    attributes   = optional(list(string), [])
  }))

  validation {
    condition     = alltrue([for t in values(var.tables) : contains(["read", "read_write"], t.access)])
    error_message = "Table access must be read or read_write."
  }
}

variable "kms_key_arn" {
  description = "ARN of the workspace KMS key: it encrypts the log group, and the role may use it for the tables, topic and queues the function uses."
  type        = string
}

variable "publish_topic_arn" {
  description = "ARN of the topic the function may publish to; null when it does not publish."
  type        = string
  default     = null
}

variable "email" {
  description = "SES sending rights for the function; null when it sends no email."
  type = object({
    sender                = string
    identity_arn          = string
    configuration_set_arn = string
  })
  default = null
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary the function's role carries (the deploy roles may only create roles that carry it); null for none."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}

variable "queue" {
  description = "The queue the function consumes (modules/consumer_queue); null for a function that consumes none."
  type = object({
    arn = string
  })
  default = null
}

variable "stream" {
  description = "The DynamoDB stream that invokes the function and the queue its failed batches are described in (modules/stream_source); null for none."
  type = object({
    arn                = string
    failures_queue_arn = string
  })
  default = null
}
