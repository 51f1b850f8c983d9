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

# SES reputation is measured per account and region. AWS reviews an account from a 5 %
# bounce rate and a 0.1 % complaint rate; these alarms fire at those levels.
resource "aws_cloudwatch_metric_alarm" "reputation" {
  for_each = {
    bounce-rate    = { metric = "Reputation.BounceRate", threshold = var.bounce_rate_alarm }
    complaint-rate = { metric = "Reputation.ComplaintRate", threshold = var.complaint_rate_alarm }
  }

  alarm_name          = "${var.configuration_set_name}-${each.key}"
  alarm_description   = "The SES account's ${each.value.metric} is above ${each.value.threshold}."
  namespace           = "AWS/SES"
  metric_name         = each.value.metric
  statistic           = "Maximum"
  period              = 900
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
