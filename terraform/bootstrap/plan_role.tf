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
