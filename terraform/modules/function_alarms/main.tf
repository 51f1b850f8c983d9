# The alarms of one function, each notifying alarm_actions on ALARM and on OK: invocation errors
# and throttles; for a queue consumer, a DLQ that is not empty and a message older than two
# visibility timeouts; for a stream consumer, an iterator falling behind and a failure queue
# that is not empty.

locals {
  function_alarms = {
    errors = {
      description        = "${var.function_name} reported invocation errors."
      namespace          = "AWS/Lambda"
      metric             = "Errors"
      dimensions         = { FunctionName = var.function_name }
      statistic          = "Sum"
      period             = 60
      evaluation_periods = 1
      threshold          = 0
    }
    throttles = {
      description        = "Lambda throttled invocations of ${var.function_name} (concurrency limit reached)."
      namespace          = "AWS/Lambda"
      metric             = "Throttles"
      dimensions         = { FunctionName = var.function_name }
      statistic          = "Sum"
      period             = 300
      evaluation_periods = 1
      threshold          = 0
    }
  }

  # Items a handler fails through the partial batch response never count as Lambda errors:
  # they are retried and then dead-lettered, so queue age (and DLQ depth) is what shows them,
  # as well as a consumer that stopped polling. Healthy messages are gone in seconds; one that
  # waited two visibility timeouts has failed twice or is stuck behind a backlog.
  queue_alarms = var.queue == null ? {} : {
    dlq = {
      description        = "Messages reached the dead-letter queue of ${var.function_name}."
      namespace          = "AWS/SQS"
      metric             = "ApproximateNumberOfMessagesVisible"
      dimensions         = { QueueName = var.queue.dlq_name }
      statistic          = "Maximum"
      period             = 60
      evaluation_periods = 1
      threshold          = 0
    }
    oldest_message = {
      description        = "The oldest message in ${var.function_name}'s queue waited longer than two visibility timeouts."
      namespace          = "AWS/SQS"
      metric             = "ApproximateAgeOfOldestMessage"
      dimensions         = { QueueName = var.queue.name }
      statistic          = "Maximum"
      period             = 60
      evaluation_periods = 1
      threshold          = 2 * var.queue.visibility_timeout_seconds
    }
  }

  stream_alarms = var.stream == null ? {} : {
    iterator_age = {
      description        = "${var.function_name} is falling behind its stream: events wait to be published."
      namespace          = "AWS/Lambda"
      metric             = "IteratorAge"
      dimensions         = { FunctionName = var.function_name }
      statistic          = "Maximum"
      period             = 60
      evaluation_periods = 5
      threshold          = var.stream.iterator_age_alarm_ms
    }
    failures = {
      description        = "${var.function_name} gave up on stream records; the sweeper re-publishes their orders' events."
      namespace          = "AWS/SQS"
      metric             = "ApproximateNumberOfMessagesVisible"
      dimensions         = { QueueName = var.stream.failures_queue_name }
      statistic          = "Maximum"
      period             = 60
      evaluation_periods = 1
      threshold          = 0
    }
  }

  alarms = merge(local.function_alarms, local.queue_alarms, local.stream_alarms)

  # The alarm names deployments already have.
  suffixes = {
    errors         = "errors"
    throttles      = "throttles"
    dlq            = "dlq-not-empty"
    oldest_message = "oldest-message-age"
    iterator_age   = "iterator-age"
    failures       = "failures-not-empty"
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.function_name}-${local.suffixes[each.key]}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
