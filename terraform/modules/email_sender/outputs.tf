output "identity_arn" {
  description = "ARN of the sender identity."
  value       = aws_sesv2_email_identity.this.arn
}

output "configuration_set_name" {
  description = "Name of the configuration set the email function sends through."
  value       = aws_sesv2_configuration_set.this.configuration_set_name
}

output "configuration_set_arn" {
  description = "ARN of the configuration set."
  value       = aws_sesv2_configuration_set.this.arn
}
