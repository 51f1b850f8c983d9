# orderflow on AWS: one root module per workspace (dev, staging, prod).
# Everything about the event topology comes from services/topology.json, the
# one declaration of which function consumes which statuses.

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.project
      Workspace = terraform.workspace
      ManagedBy = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  topology = jsondecode(file("${path.module}/../services/topology.json"))
  prefix   = "${var.project}-${terraform.workspace}"

  functions = local.topology.functions
  consumers = { for name, f in local.functions : name => f if can(f.consumes) }
  streamed  = { for name, f in local.functions : name => f if can(f.stream) }
  scheduled = { for name, f in local.functions : name => f if can(f.schedule) }
  images    = toset([for f in values(local.functions) : f.image])

  queue_names          = { for name in keys(local.consumers) : name => "${local.prefix}-${name}" }
  failures_queue_names = { for name in keys(local.streamed) : name => "${local.prefix}-${name}-failures" }
  sqs_arn_prefix       = "arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:"

  # A digest per image wins; else image_tag, which may itself be a digest.
  image_uris = {
    for image in local.images : image => (
      contains(keys(var.image_digests), image)
      ? "${module.ecr[image].repository_url}@${var.image_digests[image]}"
      : startswith(var.image_tag, "sha256:")
      ? "${module.ecr[image].repository_url}@${var.image_tag}"
      : "${module.ecr[image].repository_url}:${var.image_tag}"
    )
  }

  catalog_path = coalesce(var.catalog_path, "${path.module}/../services/order/catalog.json")
  catalog      = jsondecode(file(local.catalog_path))

  lambda_arn_pattern = "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:function:${local.prefix}-*"

  # Every status some consumer takes; anything else is unroutable.
  routed_statuses = sort(distinct(flatten([for f in values(local.functions) : try(f.consumes.statuses, [])])))

  # The boundary terraform/bootstrap creates for this workspace; the workspace's deploy role
  # can create roles only if they carry it.
  alarm_actions = concat([module.alarms_topic.topic_arn], var.alarm_actions)

  # The business metrics the functions emit, one dashboard widget per group. Each status's metric
  # and group are declared with the status in services/topology.json; the others are those of
  # services/shared/observability.py (OTHER_METRICS; the plan test holds the two together).
  status_metrics = { for status, declared in local.topology.statuses : status => declared.metric if try(declared.metric, null) != null }
  status_metric_groups = {
    for group in distinct([for metric in values(local.status_metrics) : metric.group]) :
    group => [for status in keys(local.topology.statuses) : local.status_metrics[status].name if try(local.status_metrics[status].group, "") == group]
  }
  other_metrics = {
    "orders and payments" = ["OrdersPlaced"]
    "emails"              = ["EmailsSent", "EmailsRejected", "EmailsUncertain"]
    "stuck orders"        = ["StuckOrders", "NudgedOrders"]
    "outbox relay"        = ["OutboxOrderMissing", "OutboxEventNotPending"]
  }
  business_metrics = {
    for group in distinct(concat(keys(local.other_metrics), keys(local.status_metric_groups))) :
    group => concat(lookup(local.other_metrics, group, []), lookup(local.status_metric_groups, group, []))
  }

  permissions_boundary_arn = coalesce(
    var.permissions_boundary_arn,
    "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/ci/${local.prefix}-boundary",
  )
}

# A warning, not an error, so that `terraform validate` works in any workspace.
check "workspace_has_tfvars" {
  assert {
    condition     = fileexists("${path.module}/environments/${terraform.workspace}.tfvars")
    error_message = "Workspace \"${terraform.workspace}\" has no environments/${terraform.workspace}.tfvars; use dev, staging or prod (make plan WORKSPACE=dev)."
  }
}

module "kms" {
  source = "./modules/kms_key"

  name                    = local.prefix
  description             = "${local.prefix}: events topic, queues, tables and log groups"
  deletion_window_in_days = var.kms_deletion_window_days
}

module "ecr" {
  source   = "./modules/ecr_repository"
  for_each = local.images

  name                        = "${local.prefix}-${each.key}"
  untagged_expiry_days        = var.ecr_untagged_expiry_days
  force_delete                = var.ecr_force_delete
  lambda_function_arn_pattern = local.lambda_arn_pattern
}

module "table" {
  source   = "./modules/dynamodb_table"
  for_each = local.topology.tables

  name                = "${local.prefix}-${each.key}"
  hash_key            = each.value.hash_key
  ttl_attribute       = try(each.value.ttl_attribute, null)
  stream_view_type    = try(each.value.stream, null)
  indexes             = try(each.value.indexes, {})
  kms_key_arn         = module.kms.key_arn
  deletion_protection = var.table_deletion_protection
}

resource "aws_dynamodb_table_item" "catalog" {
  for_each = { for item in local.catalog : item.sku => item }

  table_name = module.table["catalog"].table_name
  hash_key   = local.topology.tables.catalog.hash_key
  item = jsonencode({
    sku        = { S = each.value.sku }
    name       = { S = each.value.name }
    unit_price = { N = tostring(each.value.unit_price) }
    active     = { BOOL = each.value.active }
  })
}

module "topic" {
  source = "./modules/event_topic"

  name                           = "${local.prefix}-${local.topology.topic}"
  kms_key_arn                    = module.kms.key_arn
  delivery_failure_alarm_actions = local.alarm_actions
}

# Every alarm of the workspace notifies this topic (and var.alarm_actions).
module "alarms_topic" {
  source = "./modules/event_topic"

  name                = "${local.prefix}-alarms"
  kms_key_arn         = module.kms.key_arn
  publisher_services  = ["cloudwatch.amazonaws.com"]
  email_subscriptions = var.alarm_emails
}

module "email" {
  source = "./modules/email_sender"

  sender                 = var.email_sender
  configuration_set_name = "${local.prefix}-email"
  alarm_actions          = local.alarm_actions
}

# Each function of the declaration is composed from modules by concern: the function and its
# role; the queue it consumes; the stream that invokes it; its schedule; its alarms.
module "function" {
  source   = "./modules/function"
  for_each = local.functions

  name            = "${local.prefix}-${each.key}"
  image_uri       = local.image_uris[each.value.image]
  handler         = each.value.handler
  timeout_seconds = each.value.timeout_seconds
  memory_mb       = each.value.memory_mb
  architecture    = var.image_architecture

  environment = merge(
    { for env, t in each.value.tables : env => module.table[t.table].table_name },
    try(each.value.publishes, false) ? { EVENTS_TOPIC_ARN = module.topic.topic_arn } : {},
    try(each.value.sends_email, false) ? {
      EMAIL_SENDER            = var.email_sender
      EMAIL_CONFIGURATION_SET = module.email.configuration_set_name
    } : {},
    each.key == "invoice" ? { INVOICE_SERIES = tostring(var.invoice_series) } : {},
    {
      POWERTOOLS_SERVICE_NAME       = each.key
      POWERTOOLS_LOG_LEVEL          = var.log_level
      POWERTOOLS_LOGGER_SAMPLE_RATE = tostring(var.log_sample_rate)
      POWERTOOLS_METRICS_NAMESPACE  = var.project
      WORKSPACE                     = terraform.workspace
    },
  )

  tables = {
    for env, t in each.value.tables : env => {
      arn          = module.table[t.table].table_arn
      access       = t.access
      attributes   = try(t.attributes, [])
      delete_items = try(t.delete_items, false)
    }
  }
  permissions_boundary = local.permissions_boundary_arn

  kms_key_arn       = module.kms.key_arn
  publish_topic_arn = try(each.value.publishes, false) ? module.topic.topic_arn : null

  email = try(each.value.sends_email, false) ? {
    sender                = var.email_sender
    identity_arn          = module.email.identity_arn
    configuration_set_arn = module.email.configuration_set_arn
  } : null

  # The queues by ARN, not by reference: each queue's module refers to the function, and
  # Terraform orders module instances as wholes.
  queue = can(each.value.consumes) ? { arn = "${local.sqs_arn_prefix}${local.queue_names[each.key]}" } : null

  stream = can(each.value.stream) ? {
    arn                = module.table[each.value.stream.table].table_stream_arn
    failures_queue_arn = "${local.sqs_arn_prefix}${local.failures_queue_names[each.key]}"
  } : null

  log_retention_days = var.log_retention_days
}

module "consumer_queue" {
  source   = "./modules/consumer_queue"
  for_each = local.consumers

  name                       = local.queue_names[each.key]
  function_arn               = module.function[each.key].function_arn
  topic_arn                  = module.topic.topic_arn
  statuses                   = each.value.consumes.statuses
  batch_size                 = each.value.consumes.batch_size
  max_receive_count          = each.value.consumes.max_receive_count
  max_concurrency            = each.value.consumes.max_concurrency
  visibility_timeout_seconds = local.topology.visibility_timeout_factor * each.value.timeout_seconds
  kms_key_arn                = module.kms.key_arn
}

module "stream_source" {
  source   = "./modules/stream_source"
  for_each = local.streamed

  failures_queue_name            = local.failures_queue_names[each.key]
  function_arn                   = module.function[each.key].function_arn
  stream_arn                     = module.table[each.value.stream.table].table_stream_arn
  batch_size                     = each.value.stream.batch_size
  maximum_retry_attempts         = each.value.stream.maximum_retry_attempts
  maximum_record_age_seconds     = each.value.stream.maximum_record_age_seconds
  bisect_batch_on_function_error = each.value.stream.bisect_batch_on_function_error
  starting_position              = each.value.stream.starting_position
  filter_pattern                 = jsonencode(each.value.stream.filter)
  kms_key_arn                    = module.kms.key_arn
}

module "schedule" {
  source   = "./modules/schedule"
  for_each = local.scheduled

  name          = "${local.prefix}-${each.key}"
  function_arn  = module.function[each.key].function_arn
  function_name = module.function[each.key].function_name
  rate_minutes  = each.value.schedule.rate_minutes
}

module "function_alarms" {
  source   = "./modules/function_alarms"
  for_each = local.functions

  function_name = module.function[each.key].function_name
  queue = can(each.value.consumes) ? {
    name                       = module.consumer_queue[each.key].queue_name
    dlq_name                   = module.consumer_queue[each.key].dlq_name
    visibility_timeout_seconds = module.consumer_queue[each.key].queue_visibility_timeout_seconds
  } : null
  stream = can(each.value.stream) ? {
    failures_queue_name   = module.stream_source[each.key].failures_queue_name
    iterator_age_alarm_ms = var.iterator_age_alarm_ms
  } : null
  alarm_actions = local.alarm_actions
}

module "unroutable" {
  source = "./modules/unroutable_queue"

  name              = "${local.prefix}-${local.topology.unroutable.queue}"
  topic_arn         = module.topic.topic_arn
  routed_statuses   = local.routed_statuses
  retention_seconds = local.topology.unroutable.retention_seconds
  kms_key_arn       = module.kms.key_arn
  alarm_actions     = local.alarm_actions
}

# The dashboard (a row per function of topology.json, the API, the business metrics) and the
# alarms on business metrics: payment decline rate, stuck orders, SES rejections.
module "monitoring" {
  source = "./modules/monitoring"

  name      = local.prefix
  region    = var.region
  namespace = var.project
  workspace = terraform.workspace
  functions = {
    for name, f in local.functions : name => {
      function_name = module.function[name].function_name
      queue_name    = try(module.consumer_queue[name].queue_name, null)
      dlq_name      = try(module.consumer_queue[name].dlq_name, null)
      stream        = can(f.stream)
    }
  }
  api              = { name = "${local.prefix}-api", stage = terraform.workspace }
  business_metrics = local.business_metrics
  timings          = ["OrderToShippedSeconds"]
  decline_rate_alarm = {
    share             = var.decline_rate_alarm_share
    minimum_payments  = var.decline_rate_alarm_minimum_payments
    authorised_metric = local.status_metrics.PAYMENT_CONFIRMED.name
    declined_metric   = local.status_metrics.PAYMENT_FAILED.name
  }
  email_rejections_alarm = var.email_rejections_alarm
  alarm_actions          = local.alarm_actions
}

moved {
  from = aws_cloudwatch_metric_alarm.stuck_orders["sweeper"]
  to   = module.monitoring.aws_cloudwatch_metric_alarm.count["stuck-orders"]
}

module "api" {
  source = "./modules/rest_api"

  name                 = "${local.prefix}-api"
  stage_name           = terraform.workspace
  function_name        = one([for name, f in local.functions : module.function[name].function_name if try(f.http, false)])
  function_invoke_arn  = one([for name, f in local.functions : module.function[name].function_invoke_arn if try(f.http, false)])
  throttle_rate_limit  = var.api_throttle_rate_limit
  throttle_burst_limit = var.api_throttle_burst_limit
  quota_per_day        = var.api_quota_per_day
  logging_level        = var.api_logging_level
  log_retention_days   = var.log_retention_days
  kms_key_arn          = module.kms.key_arn
  latency_alarm_ms     = var.api_latency_alarm_ms
  error_rate_alarm     = var.api_5xx_rate_alarm
  alarm_actions        = local.alarm_actions
}
