output "alarm_arns" {
  description = "ARN of each alarm, keyed by what it watches (errors, throttles, dlq, oldest_message, iterator_age, failures)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.arn }
}
