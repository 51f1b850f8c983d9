variable "name" {
  description = "AWS name of the function, its role, log group and queue: <project>-<workspace>-<function>."
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
  description = "ARN of the workspace KMS key that encrypts the topic, queues, tables and log groups."
  type        = string
}

variable "topic_arn" {
  description = "ARN of the events topic consumers subscribe to."
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

variable "consumes" {
  description = "Consumer settings from the topology declaration; null for a function that consumes no events."
  type = object({
    statuses                  = list(string)
    batch_size                = number
    max_receive_count         = number
    max_concurrency           = number
    visibility_timeout_factor = number
  })
  default = null
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm changes state (e.g. an ops SNS topic)."
  type        = list(string)
}

variable "stream" {
  description = "The DynamoDB stream that invokes the function, and its event source mapping's settings; null for none."
  type = object({
    arn                            = string
    batch_size                     = number
    maximum_retry_attempts         = number
    maximum_record_age_seconds     = number
    bisect_batch_on_function_error = bool
    starting_position              = string
    filter_pattern                 = string
    iterator_age_alarm_ms          = number
  })
  default = null
}

variable "schedule" {
  description = "Run the function on a schedule (an EventBridge rule) every rate_minutes; null for none."
  type = object({
    rate_minutes = number
  })
  default = null
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary the function's role carries (the deploy roles may only create roles that carry it); null for none."
  type        = string
}
