# LOCAL EMULATOR ONLY. tests/infra writes this file into its temporary copy as
# modules/consumer_queue/emulator_override.tf. It is never part of the production
# configuration (the .tpl suffix keeps Terraform and checkov from loading it).
#
# With an enabled SQS event source mapping, moto invokes the function for
# every message that reaches the queue, which for an Image function means
# pulling and running the container in Docker (unavailable, and it would eat
# the messages the routing test reads). The mapping is still created, with
# its batch size, ReportBatchItemFailures and scaling_config; it only does
# not poll.

resource "aws_lambda_event_source_mapping" "this" {
  enabled = false
}
