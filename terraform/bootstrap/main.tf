# One-time setup for CI: GitHub's OIDC provider and two roles that only this repository's
# jobs can assume: a read-only plan role (pull requests) and a deploy role (per environment).
# No long-lived AWS keys exist anywhere.

data "aws_caller_identity" "this" {}

locals {
  oidc_host  = "token.actions.githubusercontent.com"
  account_id = data.aws_caller_identity.this.account_id
  prefix     = "${var.project}-"
  # Every resource the workspaces create is named ${project}-${workspace}-...
  named = {
    lambda   = "arn:aws:lambda:${var.region}:${local.account_id}:function:${local.prefix}*"
    esm      = "arn:aws:lambda:${var.region}:${local.account_id}:event-source-mapping:*"
    sqs      = "arn:aws:sqs:${var.region}:${local.account_id}:${local.prefix}*"
    sns      = "arn:aws:sns:${var.region}:${local.account_id}:${local.prefix}*"
    dynamodb = "arn:aws:dynamodb:${var.region}:${local.account_id}:table/${local.prefix}*"
    ecr      = "arn:aws:ecr:${var.region}:${local.account_id}:repository/${local.prefix}*"
    logs     = "arn:aws:logs:${var.region}:${local.account_id}:log-group:*${local.prefix}*"
    alarms   = "arn:aws:cloudwatch:${var.region}:${local.account_id}:alarm:${local.prefix}*"
    roles    = "arn:aws:iam::${local.account_id}:role/${local.prefix}*"
    policies = "arn:aws:iam::${local.account_id}:policy/${local.prefix}*"
    ses      = "arn:aws:ses:${var.region}:${local.account_id}:*"
    apigw    = "arn:aws:apigateway:${var.region}::/*"
    kms      = "arn:aws:kms:${var.region}:${local.account_id}:key/*"
    alias    = "arn:aws:kms:${var.region}:${local.account_id}:alias/${local.prefix}*"
    state    = "arn:aws:s3:::${var.state_bucket}"
  }
}

resource "aws_iam_openid_connect_provider" "this" {
  count           = var.create_oidc_provider ? 1 : 0
  url             = "https://${local.oidc_host}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

data "aws_iam_openid_connect_provider" "existing" {
  count = var.create_oidc_provider ? 0 : 1
  url   = "https://${local.oidc_host}"
}

locals {
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : data.aws_iam_openid_connect_provider.existing[0].arn
}

# Who may assume a role: jobs of this repository that run in the given GitHub environments.
data "aws_iam_policy_document" "trust" {
  for_each = {
    deploy = var.deploy_environments
    plan   = [var.plan_environment]
  }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [for env in each.value : "repo:${var.github_repository}:environment:${env}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.project}-github-deploy"
  description          = "GitHub Actions deploys of ${var.github_repository} (environments: ${join(", ", var.deploy_environments)})"
  assume_role_policy   = data.aws_iam_policy_document.trust["deploy"].json
  max_session_duration = 3600
}

resource "aws_iam_role" "plan" {
  name                 = "${var.project}-github-plan"
  description          = "Read-only Terraform plans for pull requests of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
}

# Plans only read: the AWS-managed ReadOnlyAccess, plus reading the state.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "state" {
  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = [local.named.state]
  }
  statement {
    sid       = "ReadWriteStateAndLocks"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.named.state}/*"]
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "terraform-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.state.json
}

resource "aws_iam_role_policy" "deploy_state" {
  name   = "terraform-state"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.state.json
}

# What `terraform apply` of ../ and `make push` need, on resources named ${project}-* only.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "ServicesOnProjectResources"
    actions   = ["lambda:*", "sqs:*", "sns:*", "dynamodb:*", "ecr:*", "logs:*", "cloudwatch:*Alarm*", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
    resources = [local.named.lambda, local.named.esm, local.named.sqs, local.named.sns, local.named.dynamodb, local.named.ecr, local.named.logs, "${local.named.logs}:*", local.named.alarms]
  }
  statement {
    sid       = "RolesOfTheFunctions"
    actions   = ["iam:GetRole", "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListInstanceProfilesForRole", "iam:PassRole"]
    resources = [local.named.roles]
  }
  statement {
    sid       = "ApiGateway"
    actions   = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:TagResource", "apigateway:UntagResource"]
    resources = [local.named.apigw]
  }
  statement {
    sid       = "SesIdentityAndConfigurationSet"
    actions   = ["ses:*"]
    resources = [local.named.ses]
  }
  statement {
    sid       = "KmsKeysOfTheProject"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"]
    resources = [local.named.kms]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }
  statement {
    sid       = "KmsAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [local.named.alias, local.named.kms]
  }
  statement {
    sid       = "DescribeLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${var.region}:${local.account_id}:log-group:*"]
  }
  # These actions do not support resource-level permissions (AWS requires "*").
  statement {
    sid = "ActionsWithoutResourceLevelPermissions"
    actions = [
      "ecr:GetAuthorizationToken", # docker login to ECR
      "kms:CreateKey",             # a key has no ARN before it exists; tagged Project on creation
      "kms:ListAliases",           # listing is account-wide
      "lambda:ListEventSourceMappings",
      "lambda:CreateEventSourceMapping",
      "sts:GetCallerIdentity",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deploy" {
  name        = "${var.project}-github-deploy"
  description = "What the GitHub deploy role needs to apply terraform/ and push images"
  policy      = data.aws_iam_policy_document.deploy.json
}

resource "aws_iam_role_policy_attachment" "deploy" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deploy.arn
}
