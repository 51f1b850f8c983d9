# --- API Gateway's CloudWatch Logs role: one per account and region, set only here ---------

data "aws_iam_policy_document" "api_gateway_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "${var.project}-apigateway-cloudwatch"
  path               = local.iam_path
  description        = "API Gateway writes the execution and access logs of every API in this account and region"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_trust.json
}

# What AWS's AmazonAPIGatewayPushToCloudWatchLogs grants, on API Gateway's log groups only.
data "aws_iam_policy_document" "api_gateway_cloudwatch" {
  statement {
    sid = "PushApiLogs"
    actions = [
      "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
      "logs:GetLogEvents", "logs:FilterLogEvents",
    ]
    resources = [
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*:log-stream:*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/*",
      "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/*:log-stream:*",
    ]
  }

  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"] # listing has no resource-level permission
  }
}

resource "aws_iam_role_policy" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name   = "push-api-logs"
  role   = aws_iam_role.api_gateway_cloudwatch[0].id
  policy = data.aws_iam_policy_document.api_gateway_cloudwatch.json
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn

  depends_on = [aws_iam_role_policy.api_gateway_cloudwatch]
}
