variable "function_name" {
  description = "AWS name of the function; every alarm is named <function_name>-<what it watches>."
  type        = string
}

variable "queue" {
  description = "The queue the function consumes and its DLQ (modules/consumer_queue); null for none."
  type = object({
    name                       = string
    dlq_name                   = string
    visibility_timeout_seconds = number
  })
  default = null
}

variable "stream" {
  description = "The stream consumer's failure queue and the iterator age (ms) that alarms; null for none."
  type = object({
    failures_queue_name   = string
    iterator_age_alarm_ms = number
  })
  default = null
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm changes state (e.g. an ops SNS topic)."
  type        = list(string)
}
