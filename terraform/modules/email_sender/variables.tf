variable "sender" {
  description = "Sender email address (From:) to verify as an SES identity."
  type        = string
}

variable "configuration_set_name" {
  description = "AWS name of the SES configuration set, e.g. orderflow-dev-email."
  type        = string
}
