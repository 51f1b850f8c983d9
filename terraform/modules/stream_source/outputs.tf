output "failures_queue_arn" {
  description = "ARN of the queue the mapping describes the batches it gave up on in."
  value       = aws_sqs_queue.failures.arn
}

output "failures_queue_url" {
  description = "URL of the failure queue."
  value       = aws_sqs_queue.failures.url
}

output "failures_queue_name" {
  description = "Name of the failure queue."
  value       = aws_sqs_queue.failures.name
}
