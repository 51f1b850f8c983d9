# The split of modules/service (one module of 23 resources behind count toggles) into the
# modules the root composes now: function, consumer_queue, stream_source, schedule and
# function_alarms. These blocks move the resources of a state written by the old layout, so
# that it plans no replacement (tests/infra/test_layout_migration.py applies the old layout and
# plans this one). They name the functions that existed at the split; a function added later
# needs none. Delete this file once every workspace's state has been applied with it.

# --- order-api

moved {
  from = module.service["order-api"].aws_iam_role.this
  to   = module.function["order-api"].aws_iam_role.this
}

moved {
  from = module.service["order-api"].aws_iam_role_policy.this
  to   = module.function["order-api"].aws_iam_role_policy.this
}

moved {
  from = module.service["order-api"].aws_cloudwatch_log_group.this
  to   = module.function["order-api"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["order-api"].aws_lambda_function.this
  to   = module.function["order-api"].aws_lambda_function.this
}

moved {
  from = module.service["order-api"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["order-api"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["order-api"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["order-api"].aws_cloudwatch_metric_alarm.this["throttles"]
}

# --- relay

moved {
  from = module.service["relay"].aws_iam_role.this
  to   = module.function["relay"].aws_iam_role.this
}

moved {
  from = module.service["relay"].aws_iam_role_policy.this
  to   = module.function["relay"].aws_iam_role_policy.this
}

moved {
  from = module.service["relay"].aws_cloudwatch_log_group.this
  to   = module.function["relay"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["relay"].aws_lambda_function.this
  to   = module.function["relay"].aws_lambda_function.this
}

moved {
  from = module.service["relay"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["relay"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["relay"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["relay"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["relay"].aws_sqs_queue.failures[0]
  to   = module.stream_source["relay"].aws_sqs_queue.failures
}

moved {
  from = module.service["relay"].aws_sqs_queue_policy.failures[0]
  to   = module.stream_source["relay"].aws_sqs_queue_policy.failures
}

moved {
  from = module.service["relay"].aws_lambda_event_source_mapping.stream[0]
  to   = module.stream_source["relay"].aws_lambda_event_source_mapping.this
}

moved {
  from = module.service["relay"].aws_cloudwatch_metric_alarm.iterator_age[0]
  to   = module.function_alarms["relay"].aws_cloudwatch_metric_alarm.this["iterator_age"]
}

moved {
  from = module.service["relay"].aws_cloudwatch_metric_alarm.failures[0]
  to   = module.function_alarms["relay"].aws_cloudwatch_metric_alarm.this["failures"]
}

# --- sweeper

moved {
  from = module.service["sweeper"].aws_iam_role.this
  to   = module.function["sweeper"].aws_iam_role.this
}

moved {
  from = module.service["sweeper"].aws_iam_role_policy.this
  to   = module.function["sweeper"].aws_iam_role_policy.this
}

moved {
  from = module.service["sweeper"].aws_cloudwatch_log_group.this
  to   = module.function["sweeper"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["sweeper"].aws_lambda_function.this
  to   = module.function["sweeper"].aws_lambda_function.this
}

moved {
  from = module.service["sweeper"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["sweeper"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["sweeper"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["sweeper"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["sweeper"].aws_cloudwatch_event_rule.schedule[0]
  to   = module.schedule["sweeper"].aws_cloudwatch_event_rule.this
}

moved {
  from = module.service["sweeper"].aws_cloudwatch_event_target.schedule[0]
  to   = module.schedule["sweeper"].aws_cloudwatch_event_target.this
}

moved {
  from = module.service["sweeper"].aws_lambda_permission.schedule[0]
  to   = module.schedule["sweeper"].aws_lambda_permission.this
}

# --- order-status

moved {
  from = module.service["order-status"].aws_iam_role.this
  to   = module.function["order-status"].aws_iam_role.this
}

moved {
  from = module.service["order-status"].aws_iam_role_policy.this
  to   = module.function["order-status"].aws_iam_role_policy.this
}

moved {
  from = module.service["order-status"].aws_cloudwatch_log_group.this
  to   = module.function["order-status"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["order-status"].aws_lambda_function.this
  to   = module.function["order-status"].aws_lambda_function.this
}

moved {
  from = module.service["order-status"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["order-status"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["order-status"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["order-status"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["order-status"].aws_sqs_queue.dlq[0]
  to   = module.consumer_queue["order-status"].aws_sqs_queue.dlq
}

moved {
  from = module.service["order-status"].aws_sqs_queue.this[0]
  to   = module.consumer_queue["order-status"].aws_sqs_queue.this
}

moved {
  from = module.service["order-status"].aws_sqs_queue_policy.this[0]
  to   = module.consumer_queue["order-status"].aws_sqs_queue_policy.this
}

moved {
  from = module.service["order-status"].aws_sqs_queue_policy.dlq[0]
  to   = module.consumer_queue["order-status"].aws_sqs_queue_policy.dlq
}

moved {
  from = module.service["order-status"].aws_sqs_queue_redrive_allow_policy.dlq[0]
  to   = module.consumer_queue["order-status"].aws_sqs_queue_redrive_allow_policy.dlq
}

moved {
  from = module.service["order-status"].aws_sns_topic_subscription.this[0]
  to   = module.consumer_queue["order-status"].aws_sns_topic_subscription.this
}

moved {
  from = module.service["order-status"].aws_lambda_event_source_mapping.this[0]
  to   = module.consumer_queue["order-status"].aws_lambda_event_source_mapping.this
}

moved {
  from = module.service["order-status"].aws_cloudwatch_metric_alarm.dlq[0]
  to   = module.function_alarms["order-status"].aws_cloudwatch_metric_alarm.this["dlq"]
}

moved {
  from = module.service["order-status"].aws_cloudwatch_metric_alarm.oldest_message[0]
  to   = module.function_alarms["order-status"].aws_cloudwatch_metric_alarm.this["oldest_message"]
}

# --- invoice

moved {
  from = module.service["invoice"].aws_iam_role.this
  to   = module.function["invoice"].aws_iam_role.this
}

moved {
  from = module.service["invoice"].aws_iam_role_policy.this
  to   = module.function["invoice"].aws_iam_role_policy.this
}

moved {
  from = module.service["invoice"].aws_cloudwatch_log_group.this
  to   = module.function["invoice"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["invoice"].aws_lambda_function.this
  to   = module.function["invoice"].aws_lambda_function.this
}

moved {
  from = module.service["invoice"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["invoice"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["invoice"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["invoice"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["invoice"].aws_sqs_queue.dlq[0]
  to   = module.consumer_queue["invoice"].aws_sqs_queue.dlq
}

moved {
  from = module.service["invoice"].aws_sqs_queue.this[0]
  to   = module.consumer_queue["invoice"].aws_sqs_queue.this
}

moved {
  from = module.service["invoice"].aws_sqs_queue_policy.this[0]
  to   = module.consumer_queue["invoice"].aws_sqs_queue_policy.this
}

moved {
  from = module.service["invoice"].aws_sqs_queue_policy.dlq[0]
  to   = module.consumer_queue["invoice"].aws_sqs_queue_policy.dlq
}

moved {
  from = module.service["invoice"].aws_sqs_queue_redrive_allow_policy.dlq[0]
  to   = module.consumer_queue["invoice"].aws_sqs_queue_redrive_allow_policy.dlq
}

moved {
  from = module.service["invoice"].aws_sns_topic_subscription.this[0]
  to   = module.consumer_queue["invoice"].aws_sns_topic_subscription.this
}

moved {
  from = module.service["invoice"].aws_lambda_event_source_mapping.this[0]
  to   = module.consumer_queue["invoice"].aws_lambda_event_source_mapping.this
}

moved {
  from = module.service["invoice"].aws_cloudwatch_metric_alarm.dlq[0]
  to   = module.function_alarms["invoice"].aws_cloudwatch_metric_alarm.this["dlq"]
}

moved {
  from = module.service["invoice"].aws_cloudwatch_metric_alarm.oldest_message[0]
  to   = module.function_alarms["invoice"].aws_cloudwatch_metric_alarm.this["oldest_message"]
}

# --- billing

moved {
  from = module.service["billing"].aws_iam_role.this
  to   = module.function["billing"].aws_iam_role.this
}

moved {
  from = module.service["billing"].aws_iam_role_policy.this
  to   = module.function["billing"].aws_iam_role_policy.this
}

moved {
  from = module.service["billing"].aws_cloudwatch_log_group.this
  to   = module.function["billing"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["billing"].aws_lambda_function.this
  to   = module.function["billing"].aws_lambda_function.this
}

moved {
  from = module.service["billing"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["billing"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["billing"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["billing"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["billing"].aws_sqs_queue.dlq[0]
  to   = module.consumer_queue["billing"].aws_sqs_queue.dlq
}

moved {
  from = module.service["billing"].aws_sqs_queue.this[0]
  to   = module.consumer_queue["billing"].aws_sqs_queue.this
}

moved {
  from = module.service["billing"].aws_sqs_queue_policy.this[0]
  to   = module.consumer_queue["billing"].aws_sqs_queue_policy.this
}

moved {
  from = module.service["billing"].aws_sqs_queue_policy.dlq[0]
  to   = module.consumer_queue["billing"].aws_sqs_queue_policy.dlq
}

moved {
  from = module.service["billing"].aws_sqs_queue_redrive_allow_policy.dlq[0]
  to   = module.consumer_queue["billing"].aws_sqs_queue_redrive_allow_policy.dlq
}

moved {
  from = module.service["billing"].aws_sns_topic_subscription.this[0]
  to   = module.consumer_queue["billing"].aws_sns_topic_subscription.this
}

moved {
  from = module.service["billing"].aws_lambda_event_source_mapping.this[0]
  to   = module.consumer_queue["billing"].aws_lambda_event_source_mapping.this
}

moved {
  from = module.service["billing"].aws_cloudwatch_metric_alarm.dlq[0]
  to   = module.function_alarms["billing"].aws_cloudwatch_metric_alarm.this["dlq"]
}

moved {
  from = module.service["billing"].aws_cloudwatch_metric_alarm.oldest_message[0]
  to   = module.function_alarms["billing"].aws_cloudwatch_metric_alarm.this["oldest_message"]
}

# --- shipment

moved {
  from = module.service["shipment"].aws_iam_role.this
  to   = module.function["shipment"].aws_iam_role.this
}

moved {
  from = module.service["shipment"].aws_iam_role_policy.this
  to   = module.function["shipment"].aws_iam_role_policy.this
}

moved {
  from = module.service["shipment"].aws_cloudwatch_log_group.this
  to   = module.function["shipment"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["shipment"].aws_lambda_function.this
  to   = module.function["shipment"].aws_lambda_function.this
}

moved {
  from = module.service["shipment"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["shipment"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["shipment"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["shipment"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["shipment"].aws_sqs_queue.dlq[0]
  to   = module.consumer_queue["shipment"].aws_sqs_queue.dlq
}

moved {
  from = module.service["shipment"].aws_sqs_queue.this[0]
  to   = module.consumer_queue["shipment"].aws_sqs_queue.this
}

moved {
  from = module.service["shipment"].aws_sqs_queue_policy.this[0]
  to   = module.consumer_queue["shipment"].aws_sqs_queue_policy.this
}

moved {
  from = module.service["shipment"].aws_sqs_queue_policy.dlq[0]
  to   = module.consumer_queue["shipment"].aws_sqs_queue_policy.dlq
}

moved {
  from = module.service["shipment"].aws_sqs_queue_redrive_allow_policy.dlq[0]
  to   = module.consumer_queue["shipment"].aws_sqs_queue_redrive_allow_policy.dlq
}

moved {
  from = module.service["shipment"].aws_sns_topic_subscription.this[0]
  to   = module.consumer_queue["shipment"].aws_sns_topic_subscription.this
}

moved {
  from = module.service["shipment"].aws_lambda_event_source_mapping.this[0]
  to   = module.consumer_queue["shipment"].aws_lambda_event_source_mapping.this
}

moved {
  from = module.service["shipment"].aws_cloudwatch_metric_alarm.dlq[0]
  to   = module.function_alarms["shipment"].aws_cloudwatch_metric_alarm.this["dlq"]
}

moved {
  from = module.service["shipment"].aws_cloudwatch_metric_alarm.oldest_message[0]
  to   = module.function_alarms["shipment"].aws_cloudwatch_metric_alarm.this["oldest_message"]
}

# --- email

moved {
  from = module.service["email"].aws_iam_role.this
  to   = module.function["email"].aws_iam_role.this
}

moved {
  from = module.service["email"].aws_iam_role_policy.this
  to   = module.function["email"].aws_iam_role_policy.this
}

moved {
  from = module.service["email"].aws_cloudwatch_log_group.this
  to   = module.function["email"].aws_cloudwatch_log_group.this
}

moved {
  from = module.service["email"].aws_lambda_function.this
  to   = module.function["email"].aws_lambda_function.this
}

moved {
  from = module.service["email"].aws_cloudwatch_metric_alarm.errors
  to   = module.function_alarms["email"].aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.service["email"].aws_cloudwatch_metric_alarm.throttles
  to   = module.function_alarms["email"].aws_cloudwatch_metric_alarm.this["throttles"]
}

moved {
  from = module.service["email"].aws_sqs_queue.dlq[0]
  to   = module.consumer_queue["email"].aws_sqs_queue.dlq
}

moved {
  from = module.service["email"].aws_sqs_queue.this[0]
  to   = module.consumer_queue["email"].aws_sqs_queue.this
}

moved {
  from = module.service["email"].aws_sqs_queue_policy.this[0]
  to   = module.consumer_queue["email"].aws_sqs_queue_policy.this
}

moved {
  from = module.service["email"].aws_sqs_queue_policy.dlq[0]
  to   = module.consumer_queue["email"].aws_sqs_queue_policy.dlq
}

moved {
  from = module.service["email"].aws_sqs_queue_redrive_allow_policy.dlq[0]
  to   = module.consumer_queue["email"].aws_sqs_queue_redrive_allow_policy.dlq
}

moved {
  from = module.service["email"].aws_sns_topic_subscription.this[0]
  to   = module.consumer_queue["email"].aws_sns_topic_subscription.this
}

moved {
  from = module.service["email"].aws_lambda_event_source_mapping.this[0]
  to   = module.consumer_queue["email"].aws_lambda_event_source_mapping.this
}

moved {
  from = module.service["email"].aws_cloudwatch_metric_alarm.dlq[0]
  to   = module.function_alarms["email"].aws_cloudwatch_metric_alarm.this["dlq"]
}

moved {
  from = module.service["email"].aws_cloudwatch_metric_alarm.oldest_message[0]
  to   = module.function_alarms["email"].aws_cloudwatch_metric_alarm.this["oldest_message"]
}
