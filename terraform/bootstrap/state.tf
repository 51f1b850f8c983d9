# --- Terraform state ------------------------------------------------------------------
# The state holds the API key of each workspace and everything Terraform read: it is a
# secret. Its own key; each role may use the key only for its environment's state objects
# (the S3 encryption context is the object's ARN; S3 Bucket Keys would replace it with the
# bucket's ARN, so they stay off).

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means "this key"; key policies cannot name other resources.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means "this key"; who may use it is decided by the IAM policies below.
  #checkov:skip=CKV_AWS_109:The account-root statement is AWS's default key policy; it delegates access control to IAM policies, which are scoped per environment.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" is this key (AWS requires it)

    principals {
      type        = "AWS"
      identifiers = ["${local.arn_prefix}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "${var.project}: Terraform state (${var.state_bucket})"
  deletion_window_in_days = var.kms_deletion_window_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.state_key.json
  # No environment's: the deploy roles' key statements match on Workspace (and deny this key).
  tags = { Workspace = "shared" }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project}-terraform-state"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket that would itself need logging; CloudTrail records every API call on the state bucket.
  #checkov:skip=CKV_AWS_144:One region is deployed; versioning and a KMS key protect the state, cross-region replication is not required.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications exists for the state bucket.
  #checkov:skip=CKV2_AWS_61:Every state version is kept on purpose (a few kilobytes each): the full history is what a bad apply is recovered from.
  bucket = var.state_bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    bucket_key_enabled = false

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
  }
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyStateWithoutTheStateKey"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${local.state_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["AES256"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}
