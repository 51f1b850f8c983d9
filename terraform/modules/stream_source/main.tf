# A DynamoDB stream that invokes a function: the event source mapping with its filter, partial
# batch responses and bisection, and the queue where the batches it gives up on are described.

resource "aws_sqs_queue" "failures" {
  name                              = var.failures_queue_name
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

data "aws_iam_policy_document" "failures" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.failures.arn]

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
  queue_url = aws_sqs_queue.failures.id
  policy    = data.aws_iam_policy_document.failures.json
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn               = var.stream_arn
  function_name                  = var.function_arn
  starting_position              = var.starting_position
  batch_size                     = var.batch_size
  maximum_retry_attempts         = var.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.maximum_record_age_seconds
  bisect_batch_on_function_error = var.bisect_batch_on_function_error
  function_response_types        = ["ReportBatchItemFailures"]
  # Emulator note: terraform/local/stream_source_override.tf.tpl sets enabled = false there.
  enabled = true

  filter_criteria {
    filter {
      pattern = var.filter_pattern
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failures.arn
    }
  }
}
