output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the CloudWatch dashboard."
  value       = "https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "alarm_names" {
  description = "Names of the business alarms this module creates."
  value       = concat([aws_cloudwatch_metric_alarm.decline_rate.alarm_name], [for alarm in aws_cloudwatch_metric_alarm.count : alarm.alarm_name])
}
