# Aurora PostgreSQL (writer + readers), ElastiCache Redis and MSK, all in the private subnets and
# reachable only from the hotpath security group. No password is written here: Aurora's master
# password is generated and rotated by RDS in Secrets Manager; the Redis AUTH token is an input.
resource "aws_db_subnet_group" "main" {
  name       = var.environment
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_rds_cluster" "main" {
  cluster_identifier              = var.environment
  engine                          = "aurora-postgresql"
  engine_version                  = "15.6"
  database_name                   = "hotpath"
  master_username                 = "hotpath"
  manage_master_user_password     = true
  db_subnet_group_name            = aws_db_subnet_group.main.name
  vpc_security_group_ids          = [aws_security_group.data.id]
  storage_encrypted               = true
  backup_retention_period         = 14
  preferred_backup_window         = "03:00-04:00"
  copy_tags_to_snapshot           = true
  deletion_protection             = true
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.environment}-final"
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_rds_cluster_instance" "writer" {
  identifier           = "${var.environment}-writer"
  cluster_identifier   = aws_rds_cluster.main.id
  engine               = aws_rds_cluster.main.engine
  engine_version       = aws_rds_cluster.main.engine_version
  instance_class       = var.db_instance_class
  db_subnet_group_name = aws_db_subnet_group.main.name
  promotion_tier       = 0
}

resource "aws_rds_cluster_instance" "reader" {
  count                = var.db_reader_count
  identifier           = "${var.environment}-reader-${count.index}"
  cluster_identifier   = aws_rds_cluster.main.id
  engine               = aws_rds_cluster.main.engine
  engine_version       = aws_rds_cluster.main.engine_version
  instance_class       = var.db_instance_class
  db_subnet_group_name = aws_db_subnet_group.main.name
  promotion_tier       = 1
  depends_on           = [aws_rds_cluster_instance.writer]
}

resource "aws_elasticache_subnet_group" "main" {
  name       = var.environment
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_elasticache_replication_group" "main" {
  replication_group_id       = var.environment
  description                = "hotpath cache, rate limits and pub/sub"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.redis_node_type
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  port                       = 6379
  subnet_group_name          = aws_elasticache_subnet_group.main.name
  security_group_ids         = [aws_security_group.data.id]
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
  snapshot_retention_limit   = 1
}

resource "aws_msk_cluster" "main" {
  cluster_name           = var.environment
  kafka_version          = var.kafka_version
  number_of_broker_nodes = length(aws_subnet.private)
  broker_node_group_info {
    instance_type   = var.kafka_instance_type
    client_subnets  = aws_subnet.private[*].id
    security_groups = [aws_security_group.data.id]
    storage_info {
      ebs_storage_info {
        volume_size = 500
      }
    }
  }
  # TLS in transit; access is limited to the hotpath security group (docs/deploy.md: SASL/SCRAM).
  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }
  client_authentication {
    unauthenticated = true
  }
  configuration_info {
    arn      = aws_msk_configuration.main.arn
    revision = aws_msk_configuration.main.latest_revision
  }
}

resource "aws_msk_configuration" "main" {
  name           = var.environment
  kafka_versions = [var.kafka_version]
  # Acknowledged events are never lost: three replicas, two in sync before an ack.
  server_properties = <<-EOT
    auto.create.topics.enable=false
    default.replication.factor=3
    min.insync.replicas=2
    unclean.leader.election.enable=false
  EOT
}

# The application's own secrets: token_secret and the Redis AUTH token, as JSON
# {"token_secret": "...", "redis_auth_token": "..."}. Terraform creates the container only; the
# value is put out of band (docs/deploy.md), so it is in neither the code nor the state.
resource "aws_secretsmanager_secret" "app" {
  name                    = "${var.environment}/app"
  description             = "hotpath token_secret and Redis AUTH token"
  recovery_window_in_days = 7
}
