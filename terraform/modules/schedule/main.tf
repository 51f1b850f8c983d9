# A function run on a schedule: an EventBridge rule, its target and the permission to invoke.

resource "aws_cloudwatch_event_rule" "this" {
  name                = var.name
  description         = "Runs ${var.name} every ${var.rate_minutes} minute(s)."
  schedule_expression = "rate(${var.rate_minutes} ${var.rate_minutes == 1 ? "minute" : "minutes"})"
}

resource "aws_cloudwatch_event_target" "this" {
  rule = aws_cloudwatch_event_rule.this.name
  arn  = var.function_arn
}

resource "aws_lambda_permission" "this" {
  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}
