# The public REST API: the routes of services/order/openapi.json (POST /orders,
# GET /orders/{order_id}, GET /openapi.json), all proxied to one function,
# behind an API key and usage plan, with a stage per workspace, throttling,
# access logs and X-Ray. tests/unit/test_route_parity.py holds the routes here, and
# their api_key_required, to the document, the function's resolver and the local gateway.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
}

resource "aws_api_gateway_rest_api" "this" {
  name = var.name

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_resource" "order" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.orders.id
  path_part   = "{order_id}"
}

resource "aws_api_gateway_resource" "openapi" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "openapi.json"
}

resource "aws_api_gateway_request_validator" "this" {
  name                        = "${var.name}-params"
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  validate_request_body       = false
  validate_request_parameters = true
}

# The routes, each a method, its proxy integration and the permission to invoke.
locals {
  routes = {
    create_order = {
      resource_id = aws_api_gateway_resource.orders.id
      method      = "POST"
      path        = "orders"
      parameters  = null
    }
    get_order = {
      resource_id = aws_api_gateway_resource.order.id
      method      = "GET"
      path        = "orders/*"
      parameters  = { "method.request.path.order_id" = true }
    }
    read_openapi_document = {
      resource_id = aws_api_gateway_resource.openapi.id
      method      = "GET"
      path        = "openapi.json"
      parameters  = null
    }
  }
}

resource "aws_api_gateway_method" "route" {
  #checkov:skip=CKV2_AWS_70:Clients are services holding an API key from the usage plan; no Cognito/IAM/Lambda authorizer is part of this API's contract.
  for_each = local.routes

  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = each.value.resource_id
  http_method          = each.value.method
  authorization        = "NONE"
  api_key_required     = true
  request_validator_id = aws_api_gateway_request_validator.this.id
  request_parameters   = each.value.parameters
}

resource "aws_api_gateway_integration" "route" {
  for_each = local.routes

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = each.value.resource_id
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arn
}

resource "aws_lambda_permission" "route" {
  for_each = local.routes

  statement_id  = "AllowApiGateway-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/${each.value.method}/${each.value.path}"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # Redeploy when a route, its settings or its target changes. Ids and chosen
  # attributes, not whole resources, so refreshed defaults never redeploy.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.orders.id,
      aws_api_gateway_resource.order.id,
      aws_api_gateway_resource.openapi.id,
      aws_api_gateway_request_validator.this.id,
      [for m in aws_api_gateway_method.route : [m.id, m.authorization, m.api_key_required, m.request_validator_id]],
      [for i in aws_api_gateway_integration.route : [i.id, i.type, i.uri]],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

# --- logging ------------------------------------------------------------------

# API Gateway writes the execution logs through the account's CloudWatch role
# (aws_api_gateway_account), which is per account and region, so it is set once, in
# terraform/bootstrap, not by each workspace.

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# The execution log group API Gateway would otherwise create without retention.
resource "aws_cloudwatch_log_group" "execution" {
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Responses are per order and change with every status event; a cache would serve stale order state.
  #checkov:skip=CKV2_AWS_51:Clients authenticate with API keys over TLS; mutual TLS needs a custom domain this project does not own yet.
  #checkov:skip=CKV2_AWS_29:No WAF web ACL exists in this project yet; abuse is bounded by API keys, usage-plan quota and throttling.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      extendedId       = "$context.extendedRequestId"
      ip               = "$context.identity.sourceIp"
      apiKeyId         = "$context.identity.apiKeyId"
      requestTime      = "$context.requestTime"
      httpMethod       = "$context.httpMethod"
      resourcePath     = "$context.resourcePath"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      integrationError = "$context.integrationErrorMessage"
      latency          = "$context.responseLatency"
    })
  }

  depends_on = [aws_cloudwatch_log_group.execution]
}

resource "aws_api_gateway_method_settings" "this" {
  #checkov:skip=CKV_AWS_225:Responses are per order and change with every status event; a cache would serve stale order state.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = var.logging_level
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# --- API key and usage plan ---------------------------------------------------

resource "aws_api_gateway_usage_plan" "this" {
  name = var.name

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle_rate_limit
    burst_limit = var.throttle_burst_limit
  }

  quota_settings {
    limit  = var.quota_per_day
    period = "DAY"
  }
}

resource "aws_api_gateway_api_key" "this" {
  name = var.name
}

resource "aws_api_gateway_usage_plan_key" "this" {
  key_id        = aws_api_gateway_api_key.this.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this.id
}

# --- alarms -------------------------------------------------------------------

# 5XXError's average is the share of requests answered 5XX.
resource "aws_cloudwatch_metric_alarm" "server_errors" {
  alarm_name          = "${var.name}-5xx"
  alarm_description   = "More than ${var.error_rate_alarm * 100} % of the requests to the ${var.stage_name} stage of ${var.name} were answered 5XX (503: a failing dependency) over 5 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.this.stage_name }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  alarm_name          = "${var.name}-latency-p99"
  alarm_description   = "p99 latency of the ${var.stage_name} stage of ${var.name} stayed above ${var.latency_alarm_ms} ms for 15 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.this.stage_name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.latency_alarm_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
}
