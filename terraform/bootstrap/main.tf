# One-time setup by an admin: the Terraform state backend, GitHub's OIDC provider, one
# deploy role per environment that only that environment's jobs (from the deploy branch)
# can assume and that can manage only <project>-<environment>-* resources, a read-only plan
# role, the permissions boundary every role a deploy role creates must carry, and the
# account's API Gateway logging role. No long-lived AWS keys exist anywhere.
#
# Everything here is under the IAM path /ci/, which no deploy role may write to.

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

# --- GitHub OIDC provider -------------------------------------------------------------

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

# --- Terraform state ------------------------------------------------------------------
# The state holds the API key of each workspace and everything Terraform read: it is a
# secret. Its own key; each role may use the key only for its environment's state objects
# (the S3 encryption context is the object's ARN; S3 Bucket Keys would replace it with the
# bucket's ARN, so they stay off).

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means "this key"; key policies cannot name other resources.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means "this key"; who may use it is decided by the IAM policies below.
  #checkov:skip=CKV_AWS_109:The account-root statement is AWS's default key policy; it delegates access control to IAM policies, which are scoped per environment.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" is this key (AWS requires it)

    principals {
      type        = "AWS"
      identifiers = ["${local.arn_prefix}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "${var.project}: Terraform state (${var.state_bucket})"
  deletion_window_in_days = var.kms_deletion_window_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.state_key.json
  # No environment's: the deploy roles' key statements match on Workspace (and deny this key).
  tags = { Workspace = "shared" }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project}-terraform-state"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket that would itself need logging; CloudTrail records every API call on the state bucket.
  #checkov:skip=CKV_AWS_144:One region is deployed; versioning and a KMS key protect the state, cross-region replication is not required.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications exists for the state bucket.
  #checkov:skip=CKV2_AWS_61:Every state version is kept on purpose (a few kilobytes each): the full history is what a bad apply is recovered from.
  bucket = var.state_bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    bucket_key_enabled = false

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
  }
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyStateWithoutTheStateKey"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${local.state_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["AES256"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- permissions boundary of the roles a deploy role creates ----------------------------
# What the functions of one environment may ever do. A deploy role can create and change
# roles only with this boundary attached, so a role it creates (and any session of it) stays
# within that environment's data plane whatever policy the deploy role writes into it.

data "aws_iam_policy_document" "boundary" {
  #checkov:skip=CKV_AWS_356:X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; Resource "*" is the only valid value.
  #checkov:skip=CKV_AWS_111:The only unconstrained write is X-Ray trace upload, which has no resource-level permissions; every other statement names its environment's resources.
  for_each = local.scope

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${each.value.prefix}*:*"]
  }

  statement {
    sid       = "XRayTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }

  statement {
    sid = "TablesOfTheEnvironment"
    # A ceiling, not a grant: the functions' own policies hold only what their code calls
    # (no Scan, no BatchWriteItem today), but a new function of the environment may need them.
    actions = [
      "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem",
      "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    ]
    resources = [each.value.tables, "${each.value.tables}/index/*"]
  }

  statement {
    sid       = "StreamsOfTheEnvironment"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = ["${each.value.tables}/stream/*"]
  }

  statement {
    sid       = "ListStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["*"] # a list of stream ARNs; needed by a stream event source mapping
  }

  statement {
    sid       = "TopicsOfTheEnvironment"
    actions   = ["sns:Publish"]
    resources = [each.value.topics]
  }

  statement {
    sid       = "QueuesOfTheEnvironment"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:SendMessage"]
    resources = [each.value.queues]
  }

  statement {
    sid       = "KeyOfTheEnvironmentThroughItsServices"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = [each.value.keys]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com", "sns.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "SendEmailAsTheEnvironmentsSender"
    actions   = ["ses:SendEmail"]
    resources = [each.value.ses_identity, each.value.ses_config_set]
  }
}

resource "aws_iam_policy" "boundary" {
  for_each = local.scope

  name        = "${var.project}-${each.key}-boundary"
  path        = local.iam_path
  description = "Permissions boundary of every role the ${each.key} deploy role creates"
  policy      = data.aws_iam_policy_document.boundary[each.key].json
}

# --- deploy roles: one per environment ----------------------------------------------------

data "aws_iam_policy_document" "deploy_trust" {
  for_each = local.deploy_subjects

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
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = local.scope

  name                 = "${var.project}-deploy-${each.key}"
  path                 = local.iam_path
  description          = "GitHub Actions deploys of ${var.github_repository} to ${each.key} (environment ${each.key}, branch ${var.deploy_branch})"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = 3600
}

# What `terraform apply` of ../ in workspace <env> and `make push` need, on that
# environment's resources only.
data "aws_iam_policy_document" "deploy" {
  #checkov:skip=CKV_AWS_356:Resource "*" only where AWS has no resource-level permission (ecr:GetAuthorizationToken, listing) or where a condition scopes it (kms:CreateKey by request tags, event source mappings by function).
  #checkov:skip=CKV_AWS_111:Unscoped writes are conditioned: kms:CreateKey on aws:RequestTag, lambda:CreateEventSourceMapping on lambda:FunctionArn; IAM writes require the permissions boundary.
  #checkov:skip=CKV_AWS_109:Permissions management is limited to the environment's function roles, which must carry the boundary, and its own KMS key (by tag).
  #checkov:skip=CKV_AWS_110:iam:PassRole is limited to the environment's roles (all boundary-bound) and to lambda.amazonaws.com; the deploy role cannot reach its own or any CI role (explicit Deny).
  for_each = local.scope

  statement {
    sid       = "ListTheStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn] # key names only; listing env:/ finds the workspaces
  }

  statement {
    sid       = "ReadWriteOwnStateAndLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_objects[each.key]}", "${local.state_objects[each.key]}.tflock"]
  }

  statement {
    sid       = "StateKeyForOwnStateOnly"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.s3_via]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = ["${local.state_objects[each.key]}*"]
    }
  }

  statement {
    sid = "ServicesOfTheEnvironment"
    actions = [
      "sqs:*", "sns:*", "dynamodb:*", "ecr:*", "logs:*",
      "cloudwatch:*Alarm*", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource",
      "events:DescribeRule", "events:PutRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule",
      "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule",
      "events:TagResource", "events:UntagResource", "events:ListTagsForResource",
    ]
    resources = concat(
      [each.value.queues, each.value.topics, each.value.tables, "${each.value.tables}/*", each.value.repositories, each.value.alarms, each.value.rules],
      distinct(concat(each.value.log_groups, [for group in each.value.log_groups : "${group}:*" if !endswith(group, ":*")])),
    )
  }

  statement {
    sid = "FunctionsOfTheEnvironment"
    actions = [
      "lambda:Get*", "lambda:List*", "lambda:CreateFunction", "lambda:DeleteFunction",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
      "lambda:AddPermission", "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource",
      "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
    ]
    resources = [each.value.functions]
  }

  statement {
    sid       = "CreateEventSourceMappingsForTheEnvironmentsFunctions"
    actions   = ["lambda:CreateEventSourceMapping"]
    resources = ["*"] # CreateEventSourceMapping has no resource ARN: scoped by the function
    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = [each.value.functions]
    }
  }

  statement {
    sid       = "ChangeEventSourceMappingsOfTheEnvironmentsFunctions"
    actions   = ["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"]
    resources = [each.value.mappings]
    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = [each.value.functions]
    }
  }

  statement {
    sid       = "TagEventSourceMappingsOfTheEnvironment"
    actions   = ["lambda:TagResource", "lambda:UntagResource"]
    resources = [each.value.mappings]
    # Tags given on CreateEventSourceMapping: the mapping has none yet, the request's decide.
    # Changing a mapping itself is scoped by its function (above), not by these tags.
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:RequestTag/Workspace"
      values   = [each.key]
    }
  }

  statement {
    sid       = "ReadEventSourceMappings"
    actions   = ["lambda:GetEventSourceMapping", "lambda:ListTags"]
    resources = [each.value.mappings] # metadata; a mapping is only identified by a UUID
  }

  statement {
    sid       = "CreateRolesOnlyWithTheBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"]
    resources = [each.value.roles]
    condition {
      test     = "ArnEquals"
      variable = "iam:PermissionsBoundary"
      values   = [each.value.boundary_arn]
    }
  }

  statement {
    sid = "ManageRolesOfTheEnvironment"
    actions = [
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:ListRoleTags", "iam:TagRole", "iam:UntagRole",
      "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
    ]
    resources = [each.value.roles]
  }

  statement {
    sid       = "PassRolesOfTheEnvironmentToLambda"
    actions   = ["iam:PassRole"]
    resources = [each.value.roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  statement {
    sid       = "CreateTheEnvironmentsKey"
    actions   = ["kms:CreateKey"]
    resources = ["*"] # a key has no ARN before it exists: scoped by the tags it is created with
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Workspace"
      values   = [each.key]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid       = "TagTheEnvironmentsKey"
    actions   = ["kms:TagResource"]
    resources = [each.value.keys]
    # On CreateKey the key has no tags yet: the request's tags decide.
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:RequestTag/Workspace"
      values   = [each.key]
    }
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }
  }

  statement {
    sid = "ManageTheEnvironmentsKey"
    actions = [
      "kms:Describe*", "kms:Get*", "kms:List*",
      "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion", "kms:UntagResource",
    ]
    resources = [each.value.keys]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }
  }

  statement {
    sid       = "UseTheEnvironmentsKeyThroughItsServices"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant"]
    resources = [each.value.keys]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via, "sqs.${local.region}.amazonaws.com", "sns.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "AliasOfTheEnvironmentsKey"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = each.value.aliases
  }

  statement {
    sid       = "PointTheAliasAtTheEnvironmentsKey"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [each.value.keys]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }
  }

  statement {
    sid       = "CreateTheEnvironmentsApi"
    actions   = ["apigateway:POST"]
    resources = ["${local.arn_prefix}:apigateway:${local.region}::/restapis", "${local.arn_prefix}:apigateway:${local.region}::/apikeys", "${local.arn_prefix}:apigateway:${local.region}::/usageplans"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Workspace"
      values   = [each.key]
    }
  }

  statement {
    sid     = "ManageTheEnvironmentsApi"
    actions = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
    resources = [
      "${local.arn_prefix}:apigateway:${local.region}::/restapis/*",
      "${local.arn_prefix}:apigateway:${local.region}::/apikeys/*",
      "${local.arn_prefix}:apigateway:${local.region}::/usageplans/*",
      "${local.arn_prefix}:apigateway:${local.region}::/tags/*",
    ]
    # Tagged Workspace=<env> on creation; methods, integrations, stages... inherit the
    # REST API's tags and usage plan keys the usage plan's for access control.
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [each.key]
    }
  }

  statement {
    sid       = "SesSenderAndConfigurationSetOfTheEnvironment"
    actions   = ["ses:*"]
    resources = [each.value.ses_identity, each.value.ses_config_set]
  }

  statement {
    sid       = "DashboardOfTheEnvironment"
    actions   = ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"]
    resources = ["${local.arn_prefix}:cloudwatch::${local.account_id}:dashboard/${var.project}-${each.key}"]
  }

  statement {
    sid       = "PushImagesToTheEnvironmentsRepositories"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # docker login; no resource-level permission exists
  }

  dynamic "statement" {
    for_each = each.key == var.promotion_source ? [] : [1]
    content {
      sid       = "PullImagesToPromoteFromTheSource"
      actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:DescribeImages"]
      resources = ["${local.arn_prefix}:ecr:${local.region}:${local.account_id}:repository/${var.project}-${var.promotion_source}-*"]
    }
  }

  statement {
    sid       = "ListingWithoutResourceLevelPermissions"
    actions   = ["kms:ListAliases", "logs:DescribeLogGroups", "lambda:ListEventSourceMappings"]
    resources = ["*"]
  }

  # --- what no deploy role may ever do -----------------------------------------------

  statement {
    # The state key is untagged by Workspace, which the key statements above would read as "not
    # another environment's": without this, a deploy role could tag it as its own and then
    # rewrite its policy or schedule its deletion, taking every environment's state with it.
    sid         = "DenyAdministeringTheStateKey"
    effect      = "Deny"
    not_actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources   = [aws_kms_key.state.arn]
  }

  statement {
    sid       = "DenyTouchingTheCiSetup"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = [local.ci_roles, local.ci_policies, "${local.arn_prefix}:iam::${local.account_id}:oidc-provider/*"]
  }

  statement {
    sid       = "DenyRolesWithoutTheBoundary"
    effect    = "Deny"
    actions   = ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]
    resources = ["*"]
    condition {
      test     = "ArnNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [each.value.boundary_arn]
    }
  }

  statement {
    sid       = "DenyRemovingBoundariesAndOtherPrincipals"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:CreateUser", "iam:CreateAccessKey", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachRolePolicy"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = local.scope

  name   = "deploy-${each.key}"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}

# --- the read-only plan role (pull requests) ---------------------------------------------
# AWS's ReadOnlyAccess lets `terraform plan` refresh every resource; the inline policy reads
# its workspace's state (never writes it: plans run with -lock=false) and denies the reads
# that return data rather than metadata.

data "aws_iam_policy_document" "plan_trust" {
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
      test     = "StringLike"
      variable = "${local.oidc_host}:sub"
      values   = [local.plan_subject]
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${var.project}-plan-${var.plan_workspace}"
  path                 = local.iam_path
  description          = "Read-only Terraform plans of ${var.plan_workspace} for pull requests of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "ReadOwnState"
    actions   = ["s3:GetObject"]
    resources = [local.state_objects[var.plan_workspace]]
  }

  statement {
    sid       = "DecryptOwnState"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.state.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.s3_via]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [local.state_objects[var.plan_workspace]]
    }
  }

  # Refreshing the seeded catalog items reads them (GetItem) through the workspace key;
  # DynamoDB's encryption context names the table, so no other table can be decrypted.
  statement {
    sid       = "DecryptTheCatalogTable"
    actions   = ["kms:Decrypt"]
    resources = ["${local.arn_prefix}:kms:${local.region}:${local.account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [var.plan_workspace]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:dynamodb:tableName"
      values   = ["${var.project}-${var.plan_workspace}-catalog"]
    }
  }

  statement {
    sid    = "DenyStateWrites"
    effect = "Deny"
    actions = [
      "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketPolicy",
      "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration",
    ]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
  }

  statement {
    sid           = "DenyObjectReadsButOwnState"
    effect        = "Deny"
    actions       = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes"]
    not_resources = [local.state_objects[var.plan_workspace]]
  }

  statement {
    sid    = "DenyTableItemReadsButTheCatalog"
    effect = "Deny"
    actions = [
      "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
      "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:PartiQLSelect",
      "dynamodb:ExportTableToPointInTime", "dynamodb:RestoreTableToPointInTime",
    ]
    not_resources = ["${local.arn_prefix}:dynamodb:${local.region}:${local.account_id}:table/${var.project}-${var.plan_workspace}-catalog"]
  }

  statement {
    sid    = "DenyMessageLogAndSecretReads"
    effect = "Deny"
    actions = [
      "sqs:ReceiveMessage",
      "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:StartLiveTail", "logs:GetLogRecord",
      "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
      "lambda:InvokeFunction",
    ]
    resources = ["*"]
  }

  # The API key's value is read by its refresh; only the planned workspace's key (whose value
  # is in the state this role reads anyway) may be.
  statement {
    sid       = "DenyOtherWorkspacesApiKeys"
    effect    = "Deny"
    actions   = ["apigateway:GET"]
    resources = ["${local.arn_prefix}:apigateway:${local.region}::/apikeys", "${local.arn_prefix}:apigateway:${local.region}::/apikeys/*"]

    condition {
      test     = "StringNotEquals"
      variable = "aws:ResourceTag/Workspace"
      values   = [var.plan_workspace]
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "plan-${var.plan_workspace}"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan.json
}

# --- API Gateway's CloudWatch Logs role: one per account and region, set only here ---------

data "aws_iam_policy_document" "api_gateway_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "${var.project}-apigateway-cloudwatch"
  path               = local.iam_path
  description        = "API Gateway writes the execution and access logs of every API in this account and region"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_trust.json
}

# What AWS's AmazonAPIGatewayPushToCloudWatchLogs grants, on API Gateway's log groups only.
data "aws_iam_policy_document" "api_gateway_cloudwatch" {
  statement {
    sid = "PushApiLogs"
    actions = [
      "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
      "logs:GetLogEvents", "logs:FilterLogEvents",
    ]
    resources = [
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*:log-stream:*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/*:log-stream:*",
    ]
  }

  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"] # listing has no resource-level permission
  }
}

resource "aws_iam_role_policy" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name   = "push-api-logs"
  role   = aws_iam_role.api_gateway_cloudwatch[0].id
  policy = data.aws_iam_policy_document.api_gateway_cloudwatch.json
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn

  depends_on = [aws_iam_role_policy.api_gateway_cloudwatch]
}
