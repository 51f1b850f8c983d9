output "api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "api_url" {
  description = "Invoke URL of the workspace stage (append /orders)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "api_key_id" {
  description = "Id of the API key clients send as x-api-key."
  value       = aws_api_gateway_api_key.this.id
}

output "api_key_value" {
  description = "The API key itself."
  value       = aws_api_gateway_api_key.this.value
  sensitive   = true
}
