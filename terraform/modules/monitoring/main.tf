# What a person looks at, and what wakes them: one CloudWatch dashboard and the business alarms.
#
# The dashboard is generated from var.functions, which the root module builds from
# services/topology.json: a row per function (invocations, errors, throttles; duration p50 and
# p99; its queue and DLQ depth when it consumes one; iterator age when a stream triggers it),
# then the API and the business metrics. A consumer added to topology.json gets its row
# without an edit here. Per-function alarms (errors, throttles, DLQ, iterator age) live in the
# service module, the API's in rest_api; the alarms on business metrics live here.

locals {
  size = 6 # each widget is 6 x 6: four to a row of 24

  function_widgets = {
    for name, f in var.functions : name => concat(
      [
        {
          title = "${name}: invocations, errors, throttles"
          stat  = "Sum"
          metrics = [for metric in ["Invocations", "Errors", "Throttles"] :
            ["AWS/Lambda", metric, "FunctionName", f.function_name]
          ]
        },
        {
          title = "${name}: duration p50, p99 (ms)"
          stat  = "Average"
          metrics = [for stat in ["p50", "p99"] :
            ["AWS/Lambda", "Duration", "FunctionName", f.function_name, { stat = stat, label = stat }]
          ]
        },
      ],
      f.dlq_name == null ? [] : [
        {
          title = "${name}: queue and DLQ depth"
          stat  = "Maximum"
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f.queue_name, { label = "queue" }],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f.dlq_name, { label = "DLQ" }],
          ]
        },
      ],
      f.stream ? [
        {
          title   = "${name}: iterator age (ms)"
          stat    = "Maximum"
          metrics = [["AWS/Lambda", "IteratorAge", "FunctionName", f.function_name]]
        },
      ] : [],
    )
  }

  function_names = sort(keys(var.functions))
  function_rows = flatten([
    for row, name in local.function_names : [
      for column, widget in local.function_widgets[name] : merge(widget, { x = column * local.size, y = row * local.size })
    ]
  ])

  api_dimensions = ["ApiName", var.api.name, "Stage", var.api.stage]
  overview = concat(
    [
      {
        title   = "API: requests, 4XX, 5XX"
        stat    = "Sum"
        metrics = [for metric in ["Count", "4XXError", "5XXError"] : concat(["AWS/ApiGateway", metric], local.api_dimensions)]
      },
      {
        title   = "API: latency p99 (ms)"
        stat    = "p99"
        metrics = [concat(["AWS/ApiGateway", "Latency"], local.api_dimensions)]
      },
    ],
    [for group in sort(keys(var.business_metrics)) : {
      title   = group
      stat    = "Sum"
      metrics = [for metric in var.business_metrics[group] : [var.namespace, metric, "workspace", var.workspace]]
    }],
    [for metric in var.timings : {
      title = "${metric} p50, p99"
      stat  = "Average"
      metrics = [for stat in ["p50", "p99"] :
        [var.namespace, metric, "workspace", var.workspace, { stat = stat, label = stat }]
      ]
    }],
  )
  overview_top = length(local.function_names) * local.size
  overview_widgets = [
    for i, widget in local.overview : merge(widget, {
      x = (i % 4) * local.size
      y = local.overview_top + floor(i / 4) * local.size
    })
  ]

  widgets = [
    for widget in concat(local.overview_widgets, local.function_rows) : {
      type   = "metric"
      x      = widget.x
      y      = widget.y
      width  = local.size
      height = local.size
      properties = {
        title   = widget.title
        region  = var.region
        view    = "timeSeries"
        stacked = false
        period  = 300
        stat    = widget.stat
        metrics = widget.metrics
      }
    }
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}

# --- business alarms (README: "When an alarm fires") ------------------------------------------

# Declined share of the payments decided in 15 minutes, once enough were decided to mean
# something: a card provider outage or a fraud wave, not one customer's card.
resource "aws_cloudwatch_metric_alarm" "decline_rate" {
  alarm_name          = "${var.name}-payment-decline-rate"
  alarm_description   = "More than ${var.decline_rate_alarm.share * 100} % of at least ${var.decline_rate_alarm.minimum_payments} payments decided in 15 minutes were declined."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.decline_rate_alarm.share
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "rate"
    label       = "declined share"
    expression  = "IF(FILL(authorised, 0) + FILL(declined, 0) >= ${var.decline_rate_alarm.minimum_payments}, FILL(declined, 0) / (FILL(authorised, 0) + FILL(declined, 0)), 0)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { authorised = var.decline_rate_alarm.authorised_metric, declined = var.decline_rate_alarm.declined_metric }
    content {
      id = metric_query.key
      metric {
        namespace   = var.namespace
        metric_name = metric_query.value
        dimensions  = { workspace = var.workspace }
        stat        = "Sum"
        period      = 900
      }
    }
  }
}

# Counts where any occurrence needs a person: the sweeper flagged an order that stayed overdue
# after one nudge; the relay read a pending event of an order the table does not hold; SES refused emails for good (an unverified recipient in the sandbox, a
# suppressed address), which are recorded as rejected and never retried, so this is how anyone
# learns of them.
locals {
  count_alarms = {
    stuck-orders = {
      metric      = "StuckOrders"
      period      = 300
      threshold   = 0
      description = "The sweeper flagged orders that stopped moving: `orders stuck`, then the DLQs (README runbook)."
    }
    outbox-order-missing = {
      metric      = "OutboxOrderMissing"
      period      = 300
      threshold   = 0
      description = "The relay read a pending event of an order the orders table does not hold (a write that never committed?); nothing was published (README runbook)."
    }
    email-rejections = {
      metric      = "EmailsRejected"
      period      = 900
      threshold   = var.email_rejections_alarm
      description = "SES refused more than ${var.email_rejections_alarm} emails for good in 15 minutes (sandbox? suppression list? README runbook)."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "count" {
  for_each = local.count_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = var.namespace
  metric_name         = each.value.metric
  dimensions          = { workspace = var.workspace }
  statistic           = "Sum"
  period              = each.value.period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
