# One-time setup by an admin: the Terraform state backend, GitHub's OIDC provider, one
# deploy role per environment that only that environment's jobs (from the deploy branch)
# can assume and that can manage only <project>-<environment>-* resources, a read-only plan
# role, the permissions boundary every role a deploy role creates must carry, and the
# account's API Gateway logging role. No long-lived AWS keys exist anywhere.
#
# Everything here is under the IAM path /ci/, which no deploy role may write to. One file per
# concern: oidc.tf, state.tf, boundary.tf, deploy_roles.tf, plan_role.tf, api_gateway_account.tf.

data "aws_caller_identity" "this" {}
data "aws_partition" "this" {}

locals {
  oidc_host  = "token.actions.githubusercontent.com"
  account_id = data.aws_caller_identity.this.account_id
  partition  = data.aws_partition.this.partition
  region     = var.region
  arn_prefix = "arn:${local.partition}"
  iam_path   = "/ci/"

  # What belongs to the CI setup itself: a deploy role may not touch any of it.
  ci_roles    = "${local.arn_prefix}:iam::${local.account_id}:role${local.iam_path}*"
  ci_policies = "${local.arn_prefix}:iam::${local.account_id}:policy${local.iam_path}*"

  state_bucket_arn = "${local.arn_prefix}:s3:::${var.state_bucket}"
  # The S3 backend keeps workspace <ws> at env:/<ws>/<key> (and its lock at <that>.tflock).
  state_objects = { for env in local.workspaces : env => "${local.state_bucket_arn}/env:/${env}/${var.state_key}" }
  workspaces    = distinct(concat(var.environments, [var.plan_workspace]))

  # OIDC subjects. The repository's subject template must include the ref (README:
  # include_claim_keys = ["repo", "context", "ref"]), so a job of environment <env> on
  # branch <b> presents repo:<owner/name>:environment:<env>:ref:refs/heads/<b>.
  deploy_subjects = { for env in var.environments : env => "repo:${var.github_repository}:environment:${env}:ref:refs/heads/${var.deploy_branch}" }
  plan_subject    = "repo:${var.github_repository}:environment:${var.plan_environment}:ref:*"

  # Per environment, every resource its workspace creates is named <project>-<env>-...
  scope = {
    for env in var.environments : env => {
      prefix         = "${var.project}-${env}-"
      boundary_arn   = "${local.arn_prefix}:iam::${local.account_id}:policy${local.iam_path}${var.project}-${env}-boundary"
      roles          = "${local.arn_prefix}:iam::${local.account_id}:role/${var.project}-${env}-*"
      functions      = "${local.arn_prefix}:lambda:${local.region}:${local.account_id}:function:${var.project}-${env}-*"
      mappings       = "${local.arn_prefix}:lambda:${local.region}:${local.account_id}:event-source-mapping:*"
      queues         = "${local.arn_prefix}:sqs:${local.region}:${local.account_id}:${var.project}-${env}-*"
      topics         = "${local.arn_prefix}:sns:${local.region}:${local.account_id}:${var.project}-${env}-*"
      tables         = "${local.arn_prefix}:dynamodb:${local.region}:${local.account_id}:table/${var.project}-${env}-*"
      repositories   = "${local.arn_prefix}:ecr:${local.region}:${local.account_id}:repository/${var.project}-${env}-*"
      alarms         = "${local.arn_prefix}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.project}-${env}-*"
      rules          = "${local.arn_prefix}:events:${local.region}:${local.account_id}:rule/${var.project}-${env}-*"
      keys           = "${local.arn_prefix}:kms:${local.region}:${local.account_id}:key/*"
      aliases        = ["${local.arn_prefix}:kms:${local.region}:${local.account_id}:alias/${var.project}-${env}", "${local.arn_prefix}:kms:${local.region}:${local.account_id}:alias/${var.project}-${env}-*"]
      ses_identity   = "${local.arn_prefix}:ses:${local.region}:${local.account_id}:identity/${lookup(var.email_senders, env, "")}"
      ses_config_set = "${local.arn_prefix}:ses:${local.region}:${local.account_id}:configuration-set/${var.project}-${env}-*"
      # The functions' log groups, the API's access log group and API Gateway's execution
      # log group, which is named API-Gateway-Execution-Logs_<api id>/<stage = workspace>.
      log_groups = [
        "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.project}-${env}-*",
        "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/${var.project}-${env}-*",
        "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*/${env}",
        "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*/${env}:*",
      ]
    }
  }
  dynamodb_via = "dynamodb.${local.region}.amazonaws.com"
  s3_via       = "s3.${local.region}.amazonaws.com"
}

check "every_environment_has_a_sender" {
  assert {
    condition     = alltrue([for env in var.environments : contains(keys(var.email_senders), env)])
    error_message = "email_senders needs the SES sender address of every environment (${join(", ", var.environments)})."
  }
}
