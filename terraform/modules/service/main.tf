# One service function: an image Lambda with its least-privilege role and
# log group, an Errors alarm and, when it consumes events, its queue with a
# DLQ, the topic subscription with a status filter, and the SQS event source
# mapping with partial batch responses; when a table's stream feeds it, the
# stream's event source mapping with its failure queue; when it runs on a
# schedule, the EventBridge rule.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  consumer       = var.consumes != null
  streamed       = var.stream != null
  scheduled      = var.schedule != null
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

# --- role -------------------------------------------------------------------

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
    for_each = local.streamed ? [1] : []
    content {
      sid       = "ReadTheStream"
      actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
      resources = [var.stream.arn]
    }
  }

  dynamic "statement" {
    for_each = local.streamed ? [1] : []
    content {
      sid     = "ListStreams"
      actions = ["dynamodb:ListStreams"]
      # ListStreams has no resource-level permissions: AWS requires "*" (it lists stream ARNs).
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.streamed ? [1] : []
    content {
      sid       = "ReportFailedStreamBatches"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.failures[0].arn]
    }
  }

  dynamic "statement" {
    for_each = local.streamed ? [1] : []
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
    for_each = local.consumer ? [1] : []
    content {
      sid       = "ConsumeOwnQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
      resources = [aws_sqs_queue.this[0].arn]
    }
  }

  dynamic "statement" {
    for_each = local.consumer ? [1] : []
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

# --- function -----------------------------------------------------------------

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

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.name}-errors"
  alarm_description   = "${var.name} reported invocation errors."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = "${var.name}-throttles"
  alarm_description   = "Lambda throttled invocations of ${var.name} (concurrency limit reached)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# --- consumer: queue, DLQ, subscription, event source mapping -----------------

resource "aws_sqs_queue" "dlq" {
  count = local.consumer ? 1 : 0

  name                              = "${var.name}-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "this" {
  count = local.consumer ? 1 : 0

  name                              = var.name
  visibility_timeout_seconds        = var.consumes.visibility_timeout_factor * var.timeout_seconds
  message_retention_seconds         = 345600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[0].arn
    maxReceiveCount     = var.consumes.max_receive_count
  })
}

# Only HTTPS requests reach either queue (aws:SecureTransport).
data "aws_iam_policy_document" "queue" {
  count = local.consumer ? 1 : 0

  statement {
    sid       = "OnlyTheTopicSends"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this[0].arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.topic_arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.this[0].arn]

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
}

resource "aws_sqs_queue_policy" "this" {
  count = local.consumer ? 1 : 0

  queue_url = aws_sqs_queue.this[0].id
  policy    = data.aws_iam_policy_document.queue[0].json
}

data "aws_iam_policy_document" "dlq" {
  count = local.consumer ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq[0].arn]

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
}

resource "aws_sqs_queue_policy" "dlq" {
  count = local.consumer ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].id
  policy    = data.aws_iam_policy_document.dlq[0].json
}

# Only the function's own queue may dead-letter into its DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count = local.consumer ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[0].arn]
  })
}

resource "aws_sns_topic_subscription" "this" {
  count = local.consumer ? 1 : 0

  topic_arn            = var.topic_arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.this[0].arn
  raw_message_delivery = true
  filter_policy_scope  = "MessageAttributes"
  filter_policy        = jsonencode({ status = var.consumes.statuses })

  depends_on = [aws_sqs_queue_policy.this]
}

resource "aws_lambda_event_source_mapping" "this" {
  count = local.consumer ? 1 : 0

  event_source_arn        = aws_sqs_queue.this[0].arn
  function_name           = aws_lambda_function.this.arn
  batch_size              = var.consumes.batch_size
  function_response_types = ["ReportBatchItemFailures"]
  # Emulator note: terraform/local/service_override.tf.tpl sets enabled = false
  # there, or moto would try to run the image in Docker for every message.
  enabled = true

  scaling_config {
    maximum_concurrency = var.consumes.max_concurrency
  }
}

resource "aws_cloudwatch_metric_alarm" "dlq" {
  count = local.consumer ? 1 : 0

  alarm_name          = "${var.name}-dlq-not-empty"
  alarm_description   = "Messages reached the dead-letter queue of ${var.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq[0].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# Items a handler fails through the partial batch response never count as Lambda errors:
# they are retried and then dead-lettered, so queue age (and DLQ depth above) is what shows
# them, as well as a consumer that stopped polling. Healthy messages are gone in seconds;
# one that waited two visibility timeouts has failed twice or is stuck behind a backlog.
resource "aws_cloudwatch_metric_alarm" "oldest_message" {
  count = local.consumer ? 1 : 0

  alarm_name          = "${var.name}-oldest-message-age"
  alarm_description   = "The oldest message in ${var.name}'s queue waited longer than two visibility timeouts."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this[0].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 2 * aws_sqs_queue.this[0].visibility_timeout_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# --- stream consumer: the event source mapping on a DynamoDB stream --------------------------

resource "aws_sqs_queue" "failures" {
  count = local.streamed ? 1 : 0

  name                              = "${var.name}-failures"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

data "aws_iam_policy_document" "failures" {
  count = local.streamed ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.failures[0].arn]

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
}

resource "aws_sqs_queue_policy" "failures" {
  count = local.streamed ? 1 : 0

  queue_url = aws_sqs_queue.failures[0].id
  policy    = data.aws_iam_policy_document.failures[0].json
}

resource "aws_lambda_event_source_mapping" "stream" {
  count = local.streamed ? 1 : 0

  event_source_arn               = var.stream.arn
  function_name                  = aws_lambda_function.this.arn
  starting_position              = var.stream.starting_position
  batch_size                     = var.stream.batch_size
  maximum_retry_attempts         = var.stream.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.stream.maximum_record_age_seconds
  bisect_batch_on_function_error = var.stream.bisect_batch_on_function_error
  function_response_types        = ["ReportBatchItemFailures"]
  # Emulator note: terraform/local/service_override.tf.tpl sets enabled = false there.
  enabled = true

  filter_criteria {
    filter {
      pattern = var.stream.filter_pattern
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failures[0].arn
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  count = local.streamed ? 1 : 0

  alarm_name          = "${var.name}-iterator-age"
  alarm_description   = "${var.name} is falling behind its stream: events wait to be published."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.stream.iterator_age_alarm_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "failures" {
  count = local.streamed ? 1 : 0

  alarm_name          = "${var.name}-failures-not-empty"
  alarm_description   = "${var.name} gave up on stream records; the sweeper re-publishes their orders' events."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.failures[0].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

# --- scheduled function: an EventBridge rule ----------------------------------------------

resource "aws_cloudwatch_event_rule" "schedule" {
  count = local.scheduled ? 1 : 0

  name                = var.name
  description         = "Runs ${var.name} every ${var.schedule.rate_minutes} minute(s)."
  schedule_expression = "rate(${var.schedule.rate_minutes} ${var.schedule.rate_minutes == 1 ? "minute" : "minutes"})"
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = local.scheduled ? 1 : 0

  rule = aws_cloudwatch_event_rule.schedule[0].name
  arn  = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "schedule" {
  count = local.scheduled ? 1 : 0

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}
