output "deploy_role_arn" {
  description = "Set as the repository variable AWS_DEPLOY_ROLE_ARN."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Set as the repository variable AWS_PLAN_ROLE_ARN."
  value       = aws_iam_role.plan.arn
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider the roles trust."
  value       = local.oidc_provider_arn
}
