# The Elastic Load Balancer of the reference design: least outstanding requests, health checks on
# /readyz (503 while a process starts or drains), a deregistration delay covering the drain, and a
# long idle timeout for SSE and WebSocket streams.
resource "aws_lb" "edge" {
  name                       = var.environment
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = aws_subnet.public[*].id
  idle_timeout               = 3600
  drop_invalid_header_fields = true
  enable_deletion_protection = true
}

resource "aws_lb_target_group" "api" {
  name                          = "${var.environment}-api"
  port                          = var.http_port
  protocol                      = "HTTP"
  vpc_id                        = aws_vpc.main.id
  target_type                   = "instance"
  load_balancing_algorithm_type = "least_outstanding_requests"
  deregistration_delay          = var.shutdown_grace_s + 10
  health_check {
    path                = "/readyz"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 5
    timeout             = 2
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener" "https" {
  count             = var.certificate_arn == "" ? 0 : 1
  load_balancer_arn = aws_lb.edge.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 80
  protocol          = "HTTP"
  dynamic "default_action" {
    for_each = var.certificate_arn == "" ? [] : [1]
    content {
      type = "redirect"
      redirect {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
  dynamic "default_action" {
    for_each = var.certificate_arn == "" ? [1] : []
    content {
      type             = "forward"
      target_group_arn = aws_lb_target_group.api.arn
    }
  }
}

# The primary's routes, as `hotpath cluster`'s HAProxy sends them (src/cluster/haproxy_config.cpp;
# tests/deploy keeps them equal to the Ingress's): offers and the dispatch plan, alarms, the
# console's live feed, and riders' WebSockets. HAProxy picks riders' sockets by the bearer token's
# role claim, which the ALB cannot read, so every /v1/ws goes to the primary. An ALB rule takes at
# most 5 path values.
resource "aws_lb_target_group" "primary" {
  name                          = "${var.environment}-primary"
  port                          = var.http_port
  protocol                      = "HTTP"
  vpc_id                        = aws_vpc.main.id
  target_type                   = "instance"
  load_balancing_algorithm_type = "least_outstanding_requests"
  deregistration_delay          = var.shutdown_grace_s + 10
  health_check {
    path                = "/readyz"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 5
    timeout             = 2
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

locals {
  forward_listener_arn = var.certificate_arn == "" ? aws_lb_listener.http.arn : aws_lb_listener.https[0].arn
  primary_paths = {
    10 = ["/v1/offers", "/v1/offers/*", "/v1/dispatch", "/v1/dispatch/*", "/v1/ws"]
    11 = ["/v1/alarms", "/v1/alarms/*", "/v1/ops", "/v1/ops/*"]
    12 = ["/v1/functions", "/v1/functions/*"]
  }
}

resource "aws_lb_listener_rule" "primary" {
  for_each     = local.primary_paths
  listener_arn = local.forward_listener_arn
  priority     = each.key
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.primary.arn
  }
  condition {
    path_pattern {
      values = each.value
    }
  }
}
