# The SES sender identity and the configuration set every message is sent
# through. A new identity must be verified: SES mails a confirmation link to
# the address.

# SES v2 resources: their API can be scoped to the identity's and the configuration set's ARNs,
# so each environment's deploy role manages its own sender and nothing else. (SES v1's
# VerifyEmailIdentity, DeleteIdentity and CreateConfigurationSet take no resource: a role that
# may call them may call them on every identity in the account.) v1 and v2 share identities and
# configuration sets: the function sends through v1's SendEmail.
resource "aws_sesv2_configuration_set" "this" {
  configuration_set_name = var.configuration_set_name

  delivery_options {
    tls_policy = "REQUIRE"
  }
  reputation_options {
    reputation_metrics_enabled = true
  }
  sending_options {
    sending_enabled = true
  }
}

resource "aws_sesv2_email_identity" "this" {
  email_identity         = var.sender
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
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
