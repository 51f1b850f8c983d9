# LOCAL EMULATOR ONLY. tests/infra writes this file into its temporary copy as
# modules/event_topic/emulator_override.tf (see email_sender_override.tf.tpl).
#
# moto keeps SNS's TracingConfig attribute but never returns it, so the provider would see a
# change after every apply; the emulator's topics are created without it ("Active" on AWS).

resource "aws_sns_topic" "this" {
  tracing_config = null
}
