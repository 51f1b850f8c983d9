# One image repository: scan on push, immutable tags, encrypted with KMS,
# expires only untagged images, and lets Lambda (only this workspace's
# functions) pull from it.

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    # AWS-managed aws/ecr key: Lambda can pull without extra key grants.
    encryption_type = "KMS"
  }
}

# Never expires an image a workspace may deploy. Every deployable image carries a tag
# (`make push` tags it with the commit, the promotion copy with the same tag) and tags
# are immutable, so a tagged image stays tagged: tagged images are never expired here.
# Staging and prod run their own copies, but copy them from dev by digest, so dev must
# keep every image a promotion may still ask for (any main run whose artifact exists).
# A count rule ("keep the newest N") would break that, and would also drop an image a
# workspace still runs after N pushes that were never deployed. Only untagged images
# (interrupted pushes) expire. Pruning old tagged images is an operator's decision:
# see the README, "Container images".
resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Expire untagged images after ${var.untagged_expiry_days} days; never expire a tagged one"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = var.untagged_expiry_days
      }
      action = { type = "expire" }
    }]
  })
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "LambdaPullsImagesForThisWorkspace"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [var.lambda_function_arn_pattern]
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.this.json
}
