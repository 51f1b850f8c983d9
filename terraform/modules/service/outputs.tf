output "function_name" {
  description = "AWS name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_invoke_arn" {
  description = "Invoke ARN of the function, for API Gateway integrations."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "queue_url" {
  description = "URL of the function's queue; null when it consumes no events."
  value       = one(aws_sqs_queue.this[*].url)
}

output "queue_arn" {
  description = "ARN of the function's queue; null when it consumes no events."
  value       = one(aws_sqs_queue.this[*].arn)
}

output "dlq_url" {
  description = "URL of the function's dead-letter queue; null when it consumes no events."
  value       = one(aws_sqs_queue.dlq[*].url)
}

output "dlq_arn" {
  description = "ARN of the function's dead-letter queue; null when it consumes no events."
  value       = one(aws_sqs_queue.dlq[*].arn)
}

output "failures_queue_url" {
  description = "URL of the queue a stream consumer's failed batches are described in; null for other functions."
  value       = one(aws_sqs_queue.failures[*].url)
}

output "queue_name" {
  description = "Name of the function's queue; null when it consumes no events."
  value       = one(aws_sqs_queue.this[*].name)
}

output "dlq_name" {
  description = "Name of the function's dead-letter queue; null when it consumes no events."
  value       = one(aws_sqs_queue.dlq[*].name)
}
