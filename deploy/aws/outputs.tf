# What the Secret and the DNS records need (deploy/k8s/secret.example.yaml names each one).
output "alb_dns_name" {
  description = "The load balancer's DNS name (point the API's hostname here, or at CloudFront)."
  value       = aws_lb.edge.dns_name
}

output "cloudfront_domain_name" {
  description = "CloudFront distribution in front of the ALB (assets cached)."
  value       = aws_cloudfront_distribution.edge.domain_name
}

output "database_writer_endpoint" {
  description = "Aurora writer endpoint (HOTPATH_DATABASE_URL)."
  value       = aws_rds_cluster.main.endpoint
}

output "database_reader_endpoint" {
  description = "Aurora reader endpoint (read replicas)."
  value       = aws_rds_cluster.main.reader_endpoint
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret with the Aurora master credentials (managed and rotated by RDS)."
  value       = aws_rds_cluster.main.master_user_secret[0].secret_arn
}

output "redis_endpoint" {
  description = "ElastiCache primary endpoint (HOTPATH_CACHE_URL, TLS)."
  value       = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "kafka_bootstrap_brokers_tls" {
  description = "MSK bootstrap brokers (HOTPATH_EVENTS_URL)."
  value       = aws_msk_cluster.main.bootstrap_brokers_tls
}

output "assets_bucket" {
  description = "S3 bucket of the object store (HOTPATH_OBJECTS_URL)."
  value       = aws_s3_bucket.assets.bucket
}

output "app_secret_arn" {
  description = "Secrets Manager secret to fill with {token_secret, redis_auth_token}."
  value       = aws_secretsmanager_secret.app.arn
}

output "role_arns" {
  description = "IAM role per hotpath role."
  value       = { for name, role in aws_iam_role.role : name => role.arn }
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}
