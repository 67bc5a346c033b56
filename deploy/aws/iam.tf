# One instance role per hotpath role, each allowed only what that role does: read its own
# configuration secrets, pull the image, write its logs and metrics, and use the assets bucket
# (write only where `s3_write`). Operators reach instances through SSM Session Manager, not SSH.
data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "role" {
  for_each           = var.roles
  name               = "${var.environment}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_instance_profile" "role" {
  for_each = var.roles
  name     = "${var.environment}-${each.key}"
  role     = aws_iam_role.role[each.key].name
}

resource "aws_iam_role_policy_attachment" "ssm" {
  for_each   = var.roles
  role       = aws_iam_role.role[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "role" {
  for_each = var.roles

  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app.arn, aws_rds_cluster.main.master_user_secret[0].secret_arn]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["*"]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.hotpath.arn}:*"]
  }

  statement {
    sid       = "PublishMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [local.metrics_namespace]
    }
  }

  statement {
    sid       = "ListAssets"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.assets.arn]
  }

  statement {
    sid       = "UseAssets"
    actions   = each.value.s3_write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"] : ["s3:GetObject"]
    resources = ["${aws_s3_bucket.assets.arn}/*"]
  }
}

resource "aws_iam_role_policy" "role" {
  for_each = var.roles
  name     = "hotpath-${each.key}"
  role     = aws_iam_role.role[each.key].id
  policy   = data.aws_iam_policy_document.role[each.key].json
}
