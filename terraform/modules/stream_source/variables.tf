variable "failures_queue_name" {
  description = "Name of the queue the batches the mapping gives up on are described in: <project>-<workspace>-<function>-failures."
  type        = string
}

variable "function_arn" {
  description = "ARN of the function the stream invokes."
  type        = string
}

variable "stream_arn" {
  description = "ARN of the DynamoDB stream."
  type        = string
}

variable "batch_size" {
  description = "Most records in one invocation."
  type        = number
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed batch before it is described in the failure queue."
  type        = number
}

variable "maximum_record_age_seconds" {
  description = "Age after which a record is no longer retried."
  type        = number
}

variable "bisect_batch_on_function_error" {
  description = "Split a failed batch in two and retry each half."
  type        = bool
}

variable "starting_position" {
  description = "Where a new mapping starts reading: TRIM_HORIZON or LATEST."
  type        = string
}

variable "filter_pattern" {
  description = "Event filter pattern (JSON) of the records that invoke the function."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the workspace KMS key that encrypts the failure queue."
  type        = string
}
