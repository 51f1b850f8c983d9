variable "name" {
  description = "AWS name of the topic, e.g. orderflow-dev-order-events."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the topic."
  type        = string
}

variable "publisher_services" {
  description = "AWS service principals (e.g. cloudwatch.amazonaws.com) that may publish to the topic on behalf of this account."
  type        = list(string)
  default     = []
}

variable "email_subscriptions" {
  description = "Email addresses subscribed to the topic (each confirms by mail)."
  type        = list(string)
  default     = []
}

variable "delivery_failure_alarm_actions" {
  description = "ARNs notified when the topic fails to deliver (NumberOfNotificationsFailed); null for no alarm."
  type        = list(string)
  default     = null
}
