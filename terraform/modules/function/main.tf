# One service function: an image Lambda with its least-privilege role and its log group. The
# role may use what the root wires to the function: its tables, the topic it publishes to, the
# queue it consumes (modules/consumer_queue), the stream that invokes it and that stream's
# failure queue (modules/stream_source), and SES.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition      = data.aws_partition.current.partition
  region         = data.aws_region.current.name
  account_id     = data.aws_caller_identity.current.account_id
  log_group_name = "/aws/lambda/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
  # What the functions call (services/): no Scan (only the operator CLI scans) and no
  # BatchWriteItem; DeleteItem only where the topology asks for it (the email claim, given
  # back when SES did not take the message).
  read_actions      = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"]
  write_actions     = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
  read_table_arns   = [for t in values(var.tables) : t.arn if t.access == "read" && length(t.attributes) == 0]
  write_table_arns  = [for t in values(var.tables) : t.arn if t.access == "read_write"]
  delete_table_arns = [for t in values(var.tables) : t.arn if t.access == "read_write" && t.delete_items]
  # DynamoDB uses the caller's own rights on a customer-managed table key: every function
  # with a table decrypts, every writer also encrypts. A function that reads a table's stream
  # (records encrypted with the same key) gets it through its `tables` entry for that table.
  table_key_readers = length(var.tables) > 0
  # Tables the function may read only some attributes of (billing: the order's payment token).
  attribute_reads   = { for env, t in var.tables : env => t if t.access == "read" && length(t.attributes) > 0 }
  table_key_writers = length(local.write_table_arns) > 0
  dynamodb_via      = "dynamodb.${local.region}.amazonaws.com"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary
}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_356:X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; Resource "*" is the only valid value (see statement XRayTraces).
  #checkov:skip=CKV_AWS_111:The only unconstrained write is X-Ray trace upload, which has no resource-level permissions; every other statement names its resources (but dynamodb:ListStreams, a read, which has none either).
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  statement {
    sid     = "XRayTraces"
    actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    # X-Ray has no resource-level permissions: AWS requires "*" here.
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(local.read_table_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOwnTables"
      actions   = local.read_actions
      resources = flatten([for arn in local.read_table_arns : [arn, "${arn}/index/*"]])
    }
  }

  dynamic "statement" {
    for_each = length(local.write_table_arns) > 0 ? [1] : []
    content {
      sid       = "ReadWriteOwnTables"
      actions   = concat(local.read_actions, local.write_actions)
      resources = flatten([for arn in local.write_table_arns : [arn, "${arn}/index/*"]])
    }
  }

  dynamic "statement" {
    for_each = length(local.delete_table_arns) > 0 ? [1] : []
    content {
      sid       = "DeleteItemsOfOwnTables"
      actions   = ["dynamodb:DeleteItem"]
      resources = local.delete_table_arns
    }
  }

  dynamic "statement" {
    for_each = local.attribute_reads
    content {
      sid       = "ReadOnlyAttributes${replace(title(lower(statement.key)), "_", "")}"
      actions   = ["dynamodb:GetItem"]
      resources = [statement.value.arn]

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "dynamodb:Attributes"
        values   = statement.value.attributes
      }

      condition {
        test     = "StringEqualsIfExists"
        variable = "dynamodb:Select"
        values   = ["SPECIFIC_ATTRIBUTES"]
      }

      # ForAllValues holds when the request names no attributes at all: require that it names some.
      condition {
        test     = "Null"
        variable = "dynamodb:Attributes"
        values   = ["false"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.stream == null ? [] : [1]
    content {
      sid       = "ReadTheStream"
      actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
      resources = [var.stream.arn]
    }
  }

  dynamic "statement" {
    for_each = var.stream == null ? [] : [1]
    content {
      sid     = "ListStreams"
      actions = ["dynamodb:ListStreams"]
      # ListStreams has no resource-level permissions: AWS requires "*" (it lists stream ARNs).
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.stream == null ? [] : [1]
    content {
      sid       = "ReportFailedStreamBatches"
      actions   = ["sqs:SendMessage"]
      resources = [var.stream.failures_queue_arn]
    }
  }

  dynamic "statement" {
    for_each = var.stream == null ? [] : [1]
    content {
      sid       = "EncryptForTheFailureQueue"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.table_key_readers ? [1] : []
    content {
      sid       = "DecryptOwnTables"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.dynamodb_via]
      }
    }
  }

  dynamic "statement" {
    for_each = local.table_key_writers ? [1] : []
    content {
      sid       = "EncryptOwnTables"
      actions   = ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.dynamodb_via]
      }
    }
  }

  dynamic "statement" {
    for_each = var.publish_topic_arn == null ? [] : [var.publish_topic_arn]
    content {
      sid       = "PublishToTheTopic"
      actions   = ["sns:Publish"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.publish_topic_arn == null ? [] : [1]
    content {
      sid       = "EncryptForTheTopic"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.queue == null ? [] : [1]
    content {
      sid       = "ConsumeOwnQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
      resources = [var.queue.arn]
    }
  }

  dynamic "statement" {
    for_each = var.queue == null ? [] : [1]
    content {
      sid       = "DecryptOwnQueue"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.email == null ? [] : [var.email]
    content {
      sid       = "SendEmailFromTheSender"
      actions   = ["ses:SendEmail"]
      resources = [statement.value.identity_arn, statement.value.configuration_set_arn]

      condition {
        test     = "StringEquals"
        variable = "ses:FromAddress"
        values   = [statement.value.sender]
      }
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = var.name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:Container images cannot use Lambda code signing; image integrity comes from ECR immutable tags or digests.
  #checkov:skip=CKV_AWS_116:Invoked synchronously (SQS event source mapping or API Gateway), where a function DLQ never applies; failed SQS records go to the queue's own DLQ.
  #checkov:skip=CKV_AWS_117:Reaches only AWS public service endpoints (DynamoDB, SNS, SES); there is no VPC resource to reach.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the event source mapping's maximum_concurrency and API Gateway throttling; reserved concurrency fails on accounts with the default quota.
  #checkov:skip=CKV_AWS_173:The environment holds only resource names and log settings, no secrets; Lambda encrypts it at rest with its AWS-managed key.
  function_name = var.name
  role          = aws_iam_role.this.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  timeout       = var.timeout_seconds
  memory_size   = var.memory_mb
  architectures = [var.architecture]

  image_config {
    command = [var.handler]
  }

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}
