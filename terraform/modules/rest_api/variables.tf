variable "name" {
  description = "AWS name of the API, its usage plan and key: <project>-<workspace>-api."
  type        = string
}

variable "stage_name" {
  description = "Stage name; one stage per workspace, named after it."
  type        = string
}

variable "function_name" {
  description = "Name of the function that serves the API."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the function that serves the API."
  type        = string
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second allowed for the stage and the usage plan."
  type        = number
}

variable "throttle_burst_limit" {
  description = "Burst of requests allowed for the stage and the usage plan."
  type        = number
}

variable "quota_per_day" {
  description = "Requests per day allowed for the API key."
  type        = number
}

variable "logging_level" {
  description = "Execution logging level: ERROR or INFO."
  type        = string

  validation {
    condition     = contains(["ERROR", "INFO"], var.logging_level)
    error_message = "logging_level must be ERROR or INFO."
  }
}

variable "log_retention_days" {
  description = "Retention of the access and execution log groups."
  type        = number
}

variable "kms_key_arn" {
  description = "ARN of the workspace KMS key that encrypts the log groups."
  type        = string
}

variable "latency_alarm_ms" {
  description = "p99 latency (ms) above which, for 15 minutes, the latency alarm fires."
  type        = number
}

variable "alarm_actions" {
  description = "ARNs notified when an API alarm changes state."
  type        = list(string)
}

variable "error_rate_alarm" {
  description = "Share of requests (0-1) answered 5XX over 5 minutes above which the error-rate alarm fires."
  type        = number
}
