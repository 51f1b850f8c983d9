variable "name" {
  description = "AWS name of the queue, e.g. orderflow-dev-unroutable."
  type        = string
}

variable "topic_arn" {
  description = "ARN of the events topic the queue subscribes to."
  type        = string
}

variable "routed_statuses" {
  description = "Every status some consumer subscribes to; anything else lands here."
  type        = list(string)
}

variable "retention_seconds" {
  description = "How long an unroutable message is kept."
  type        = number
}

variable "kms_key_arn" {
  description = "ARN of the workspace KMS key that encrypts the queue."
  type        = string
}

variable "alarm_actions" {
  description = "ARNs notified when the alarm changes state."
  type        = list(string)
}
