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
