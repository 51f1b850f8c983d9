variable "name" {
  description = "Name of the queue, <project>-<workspace>-<function>; the DLQ is <name>-dlq."
  type        = string
}

variable "function_arn" {
  description = "ARN of the function the queue's event source mapping invokes."
  type        = string
}

variable "topic_arn" {
  description = "ARN of the events topic the queue subscribes to, the only sender its policy admits."
  type        = string
}

variable "statuses" {
  description = "The statuses the subscription's filter policy passes (the function's consumes.statuses in the topology declaration)."
  type        = list(string)
}

variable "batch_size" {
  description = "Most records in one invocation."
  type        = number
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the DLQ."
  type        = number
}

variable "max_concurrency" {
  description = "Most concurrent invocations the event source mapping starts."
  type        = number
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue: the topology's factor times the function's timeout, as AWS advises for a Lambda source."
  type        = number
}

variable "kms_key_arn" {
  description = "ARN of the workspace KMS key that encrypts both queues."
  type        = string
}
