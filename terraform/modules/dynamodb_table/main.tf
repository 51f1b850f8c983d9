# One on-demand table with a string hash key, point-in-time recovery, encryption with the
# workspace key, TTL, a stream and sparse indexes when the declaration asks for them.

locals {
  # Index keys: the hash key is a string, the range key a number (e.g. epoch seconds).
  index_attributes = merge(
    { for name, index in var.indexes : index.hash_key => "S" },
    { for name, index in var.indexes : index.range_key => "N" },
  )
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.hash_key
  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = var.stream_view_type != null
  stream_view_type            = var.stream_view_type

  attribute {
    name = var.hash_key
    type = "S"
  }

  dynamic "attribute" {
    for_each = local.index_attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.indexes
    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "KEYS_ONLY"
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }
}
