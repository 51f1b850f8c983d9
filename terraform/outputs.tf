output "api_url" {
  description = "Base URL of the API stage; the API is at <api_url>/orders."
  value       = module.api.api_url
}

output "api_key_id" {
  description = "Id of the API key to send as x-api-key."
  value       = module.api.api_key_id
}

output "api_key_fetch_command" {
  description = "Prints the API key (or: terraform output -raw api_key_value)."
  value       = "aws apigateway get-api-key --region ${var.region} --api-key ${module.api.api_key_id} --include-value --query value --output text"
}

output "api_key_value" {
  description = "The API key itself; read with terraform output -raw api_key_value."
  value       = module.api.api_key_value
  sensitive   = true
}

output "topic_arn" {
  description = "ARN of the OrderEvents topic."
  value       = module.topic.topic_arn
}

output "ecr_repository_urls" {
  description = "Repository URL per image name, for docker push."
  value       = { for image, repo in module.ecr : image => repo.repository_url }
}

output "dlq_urls" {
  description = "Dead-letter queue URL per consuming function."
  value       = { for name, q in module.consumer_queue : name => q.dlq_url }
}

output "parked_queue_urls" {
  description = "Queues where messages wait for a person, other than the DLQs: the unroutable queue and each stream consumer's failures."
  value = merge(
    { unroutable = module.unroutable.queue_url },
    { for name, s in module.stream_source : "${name}-failures" => s.failures_queue_url },
  )
}

output "queue_urls" {
  description = "Queue URL per consuming function."
  value       = { for name, q in module.consumer_queue : name => q.queue_url }
}

output "function_names" {
  description = "AWS function name per function in the topology declaration."
  value       = { for name, f in module.function : name => f.function_name }
}

output "table_names" {
  description = "AWS table name per logical table in the topology declaration."
  value       = { for name, t in module.table : name => t.table_name }
}

output "kms_key_arn" {
  description = "ARN of the workspace KMS key."
  value       = module.kms.key_arn
}

output "workspace_name" {
  description = "The workspace this state belongs to."
  value       = terraform.workspace
}

output "email_identity_to_verify" {
  description = "The SES identity to verify (email_sender): SES mails it a confirmation link on the first apply, and sends nothing until it is clicked. In the SES sandbox every recipient must be verified too."
  value       = var.email_sender
}

output "email_identity_status_command" {
  description = "Prints the sender's verification status (Success once the link was clicked) and whether the account is still in the SES sandbox."
  value       = "aws sesv2 get-email-identity --region ${var.region} --email-identity ${var.email_sender} --query VerificationStatus --output text && aws sesv2 get-account --region ${var.region} --query 'ProductionAccessEnabled' --output text"
}

output "dashboard_url" {
  description = "The workspace's CloudWatch dashboard: a row per function, the API, the business metrics."
  value       = module.monitoring.dashboard_url
}
