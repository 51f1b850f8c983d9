# LOCAL EMULATOR ONLY. tests/infra writes this file into its temporary copy as
# modules/email_sender/emulator_override.tf. It is never part of the
# production configuration (the .tpl suffix keeps Terraform and checkov from
# loading it).
#
# moto does not implement SES PutConfigurationSetDeliveryOptions (it answers
# HTTP 500 and the provider retries for ever), so the emulator's configuration
# set is created without delivery_options (tls_policy = "Require" on AWS).
# A dynamic block with no elements replaces the original delivery_options block.

resource "aws_ses_configuration_set" "this" {
  dynamic "delivery_options" {
    for_each = []
    content {
      tls_policy = "Require"
    }
  }
}
