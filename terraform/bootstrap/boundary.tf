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
