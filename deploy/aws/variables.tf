variable "region" {
  description = "AWS region for everything except CloudFront's global resources."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Name of the environment (prefix of every resource name)."
  type        = string
  default     = "hotpath-prod"
}

variable "vpc_cidr" {
  description = "VPC address range (deploy/k8s/networkpolicy.yaml lets pods reach the data stores in it)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "public_subnet_cidrs" {
  description = "One public subnet per availability zone: the ALB and the NAT gateways."
  type        = list(string)
  default     = ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]
}

variable "private_subnet_cidrs" {
  description = "One private subnet per availability zone: hotpath instances, Aurora, Redis, MSK."
  type        = list(string)
  default     = ["10.40.64.0/20", "10.40.80.0/20", "10.40.96.0/20"]
}

variable "image" {
  description = "hotpath container image (deploy/docker/Dockerfile), e.g. ACCOUNT.dkr.ecr.REGION.amazonaws.com/hotpath:0.1.0."
  type        = string
}

variable "http_port" {
  description = "Port hotpath listens on (HOTPATH_LISTEN=0.0.0.0:PORT); the ALB's targets."
  type        = number
  default     = 8080
}

variable "shutdown_grace_s" {
  description = "hotpath's server.shutdown_grace_ms in seconds; the ALB deregistration delay and the container stop timeout cover it."
  type        = number
  default     = 20
}

variable "roles" {
  description = <<-EOT
    hotpath roles, one auto scaling group each. `args` follow the binary name in the container:
    `serve --role=api` serves the API only and scales; `serve --role=primary` also runs what must
    run once (dispatcher, outbox relay, functions, alarms, retraining), so its group is fixed at one
    instance and replaced terminate-first (docs/deploy.md, "Roles"). `public` roles sit behind the
    ALB (the primary gets its own target group for the routes listed in alb.tf); `s3_write` lets
    the role write assets (reading is allowed to every role).
  EOT
  type = map(object({
    args          = list(string)
    instance_type = string
    min           = number
    max           = number
    desired       = number
    public        = bool
    s3_write      = bool
  }))
  default = {
    api = {
      args          = ["serve", "--role=api"]
      instance_type = "c7i.large"
      min           = 3
      max           = 30
      desired       = 3
      public        = true
      s3_write      = true
    }
    primary = {
      args          = ["serve", "--role=primary"]
      instance_type = "c7i.large"
      min           = 1
      max           = 1
      desired       = 1
      public        = true
      s3_write      = false
    }
  }
  validation {
    condition     = contains(keys(var.roles), "primary") && var.roles["primary"].min == 1 && var.roles["primary"].max == 1
    error_message = "roles needs a primary with min = max = 1: exactly one process may run the dispatcher and the outbox relay."
  }
}

variable "scale_cpu_target" {
  description = "Target average CPU utilisation (%) of a role's instances (the HPA's CPU target)."
  type        = number
  default     = 65
}

variable "scale_requests_per_target" {
  description = "Target ALB requests per minute per api instance (the HPA's requests-per-second target x 60)."
  type        = number
  default     = 24000
}

variable "scale_p95_latency_s" {
  description = "p95 target response time (s) above which the api role steps out (the HPA's latency target)."
  type        = number
  default     = 0.25
}

variable "certificate_arn" {
  description = "ACM certificate for the ALB's HTTPS listener; empty serves plain HTTP (test environments only)."
  type        = string
  default     = ""
}

variable "db_instance_class" {
  description = "Aurora PostgreSQL instance class of the writer and each reader."
  type        = string
  default     = "db.r7g.large"
}

variable "db_reader_count" {
  description = "Aurora readers (HOTPATH_DATABASE_REPLICAS points at the reader endpoint)."
  type        = number
  default     = 1
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "redis_auth_token" {
  description = "Redis AUTH token (16-128 characters). Pass it as TF_VAR_redis_auth_token; never commit it."
  type        = string
  sensitive   = true
}

variable "kafka_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "kafka_version" {
  description = "MSK Kafka version."
  type        = string
  default     = "3.6.0"
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (empty: subscribe later)."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention of the hotpath JSON logs."
  type        = number
  default     = 30
}
