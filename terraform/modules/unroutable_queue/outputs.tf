output "queue_url" {
  description = "URL of the unroutable queue."
  value       = aws_sqs_queue.this.url
}

output "queue_arn" {
  description = "ARN of the unroutable queue."
  value       = aws_sqs_queue.this.arn
}
