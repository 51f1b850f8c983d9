variable "sender" {
  description = "Sender email address (From:) to verify as an SES identity."
  type        = string
}

variable "configuration_set_name" {
  description = "AWS name of the SES configuration set, e.g. orderflow-dev-email."
  type        = string
}

variable "bounce_rate_alarm" {
  description = "SES account bounce rate (0-1) at which the bounce alarm fires."
  type        = number
  default     = 0.05
}

variable "complaint_rate_alarm" {
  description = "SES account complaint rate (0-1) at which the complaint alarm fires."
  type        = number
  default     = 0.001
}

variable "alarm_actions" {
  description = "ARNs notified when a reputation alarm changes state."
  type        = list(string)
}
