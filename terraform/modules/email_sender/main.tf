# The SES sender identity and the configuration set every message is sent
# through. A new identity must be verified: SES mails a confirmation link to
# the address.

resource "aws_ses_email_identity" "this" {
  email = var.sender
}

resource "aws_ses_configuration_set" "this" {
  name                       = var.configuration_set_name
  reputation_metrics_enabled = true
  sending_enabled            = true

  # Emulator note: moto lacks PutConfigurationSetDeliveryOptions, so
  # terraform/local/email_sender_override.tf.tpl drops this block there.
  delivery_options {
    tls_policy = "Require"
  }
}
