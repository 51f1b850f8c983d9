# The OrderEvents topic, encrypted with the workspace key. Consumers
# subscribe to it in the service module.

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_key_arn
}
