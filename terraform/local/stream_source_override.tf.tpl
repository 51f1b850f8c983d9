# LOCAL EMULATOR ONLY. tests/infra writes this file into its temporary copy as
# modules/stream_source/emulator_override.tf. It is never part of the production
# configuration (the .tpl suffix keeps Terraform and checkov from loading it).
#
# Enabled, moto would run the image function in Docker for every stream record. The
# mapping is still created, with its filter, batch settings and failure destination.

resource "aws_lambda_event_source_mapping" "this" {
  enabled = false
}
