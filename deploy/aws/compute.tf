# EC2 + Docker + Auto Scaling of the reference design: one launch template and auto scaling group
# per hotpath role, instances in the private subnets, the api role registered with the ALB and the
# primary with its own target group (alb.tf). api rollouts replace instances gradually (instance
# refresh); scale-in waits for the ALB to drain. The primary's group is one instance, replaced
# terminate-first (the ASG's Recreate), and never scaled.
data "aws_ami" "debian" {
  most_recent = true
  owners      = ["136693071363"] # Debian's official AWS account
  filter {
    name   = "name"
    values = ["debian-12-amd64-*"]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

locals {
  metrics_namespace = "hotpath"
  # The single primary: terminated before its replacement launches, not autoscaled.
  primary_role = "primary"
  scaled_roles = { for name, role in var.roles : name => role if name != local.primary_role }
  role_env = { for name, role in var.roles : name => <<-EOT
    ROLE=${name}
    ROLE_ARGS='${join(" ", role.args)}'
    IMAGE='${var.image}'
    REGION=${var.region}
    HTTP_PORT=${var.http_port}
    SHUTDOWN_GRACE_S=${var.shutdown_grace_s}
    APP_SECRET_ARN=${aws_secretsmanager_secret.app.arn}
    DB_SECRET_ARN=${aws_rds_cluster.main.master_user_secret[0].secret_arn}
    DB_WRITER=${aws_rds_cluster.main.endpoint}
    DB_READER=${aws_rds_cluster.main.reader_endpoint}
    REDIS_HOST=${aws_elasticache_replication_group.main.primary_endpoint_address}
    KAFKA_BROKERS=${aws_msk_cluster.main.bootstrap_brokers_tls}
    ASSETS_BUCKET=${aws_s3_bucket.assets.bucket}
    CDN_DOMAIN=${aws_cloudfront_distribution.edge.domain_name}
    LOG_GROUP=${aws_cloudwatch_log_group.hotpath.name}
  EOT
  }
}

resource "aws_launch_template" "role" {
  for_each               = var.roles
  name_prefix            = "${var.environment}-${each.key}-"
  image_id               = data.aws_ami.debian.id
  instance_type          = each.value.instance_type
  vpc_security_group_ids = [aws_security_group.app.id]
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.role[each.key].arn
  }

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 30
      volume_type = "gp3"
      encrypted   = true
    }
  }

  user_data = base64encode(templatefile("${path.module}/cloud-init.yaml.tftpl", {
    role_env  = local.role_env[each.key]
    bootstrap = file("${path.module}/bootstrap.sh")
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.environment}-${each.key}", Role = each.key }
  }
}

resource "aws_autoscaling_group" "role" {
  for_each                  = var.roles
  name                      = "${var.environment}-${each.key}"
  min_size                  = each.value.min
  max_size                  = each.value.max
  desired_capacity          = each.value.desired
  vpc_zone_identifier       = aws_subnet.private[*].id
  target_group_arns         = each.value.public ? [each.key == local.primary_role ? aws_lb_target_group.primary.arn : aws_lb_target_group.api.arn] : []
  health_check_type         = each.value.public ? "ELB" : "EC2"
  health_check_grace_period = 120
  default_instance_warmup   = 60
  termination_policies      = ["OldestLaunchTemplate", "OldestInstance"]
  enabled_metrics           = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupTotalInstances"]

  launch_template {
    id      = aws_launch_template.role[each.key].id
    version = aws_launch_template.role[each.key].latest_version
  }

  # Replacing the primary's unhealthy instance: it is terminated (drained, container stopped)
  # before the new one launches, so two primaries never run side by side.
  dynamic "instance_maintenance_policy" {
    for_each = each.key == local.primary_role ? [1] : []
    content {
      min_healthy_percentage = 0
      max_healthy_percentage = 100
    }
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = each.key == local.primary_role ? 0 : 90
      instance_warmup        = 60
    }
  }

  # The scaling policies own the size once the group exists.
  lifecycle {
    ignore_changes = [desired_capacity]
  }

  tag {
    key                 = "Role"
    value               = each.key
    propagate_at_launch = true
  }
}

# The autoscaler's signals: CPU for every scaled role (not the primary), and for the api role requests
# per instance and p95 latency at the load balancer (hotpath autoscale and the Kubernetes HPA use the
# same three).
resource "aws_autoscaling_policy" "cpu" {
  for_each               = local.scaled_roles
  name                   = "cpu"
  autoscaling_group_name = aws_autoscaling_group.role[each.key].name
  policy_type            = "TargetTrackingScaling"
  target_tracking_configuration {
    target_value = var.scale_cpu_target
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}

resource "aws_autoscaling_policy" "requests" {
  for_each               = { for name, role in local.scaled_roles : name => role if role.public }
  name                   = "requests-per-instance"
  autoscaling_group_name = aws_autoscaling_group.role[each.key].name
  policy_type            = "TargetTrackingScaling"
  target_tracking_configuration {
    target_value = var.scale_requests_per_target
    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.edge.arn_suffix}/${aws_lb_target_group.api.arn_suffix}"
    }
  }
}

resource "aws_autoscaling_policy" "latency_step_out" {
  for_each                  = { for name, role in local.scaled_roles : name => role if role.public }
  name                      = "p95-latency-step-out"
  autoscaling_group_name    = aws_autoscaling_group.role[each.key].name
  policy_type               = "StepScaling"
  adjustment_type           = "ChangeInCapacity"
  estimated_instance_warmup = 60
  step_adjustment {
    metric_interval_lower_bound = 0
    metric_interval_upper_bound = var.scale_p95_latency_s
    scaling_adjustment          = 2
  }
  step_adjustment {
    metric_interval_lower_bound = var.scale_p95_latency_s
    scaling_adjustment          = 4
  }
}

resource "aws_cloudwatch_metric_alarm" "latency_scale_out" {
  for_each            = { for name, role in local.scaled_roles : name => role if role.public }
  alarm_name          = "${var.environment}-${each.key}-p95-latency-scale-out"
  alarm_description   = "p95 latency above the autoscaling target: add instances"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  threshold           = var.scale_p95_latency_s
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = aws_lb.edge.arn_suffix
    TargetGroup  = aws_lb_target_group.api.arn_suffix
  }
  alarm_actions = [aws_autoscaling_policy.latency_step_out[each.key].arn]
}
