output "deploy_role_arns" {
  description = "Deploy role per environment: set each as the variable AWS_DEPLOY_ROLE_ARN of the GitHub environment of that name."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "plan_role_arn" {
  description = "Set as the variable AWS_PLAN_ROLE_ARN of the GitHub environment of pull-request plans."
  value       = aws_iam_role.plan.arn
}

output "permissions_boundary_arns" {
  description = "Boundary per environment that every role its workspace creates carries (the root module's default permissions_boundary_arn)."
  value       = { for env, policy in aws_iam_policy.boundary : env => policy.arn }
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider the roles trust."
  value       = local.oidc_provider_arn
}

output "oidc_subjects" {
  description = "The OIDC subject each deploy role accepts; needs the repository's subject template [repo, context, ref]."
  value       = local.deploy_subjects
}

output "state_bucket_name" {
  description = "Bucket of the Terraform state (bucket in ../backend.hcl)."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "KMS key encrypting the state (kms_key_id in ../backend.hcl; its alias works too)."
  value       = aws_kms_key.state.arn
}

output "state_kms_alias_name" {
  description = "Alias of the state key, as used by kms_key_id in ../backend.hcl."
  value       = aws_kms_alias.state.name
}

output "api_gateway_cloudwatch_role_arn" {
  description = "The account's API Gateway CloudWatch Logs role; null when manage_api_gateway_account is false."
  value       = one(aws_iam_role.api_gateway_cloudwatch[*].arn)
}
