#!/usr/bin/env bash
# Boots one hotpath instance (Debian 12 AMI) of the auto scaling group: installs Docker, builds the
# environment file from Secrets Manager and the Terraform-provided settings in
# /etc/hotpath/role.env, and runs the container under systemd so that instance shutdown stops it
# with SIGTERM and waits for the drain. cloud-init runs it once as root (compute.tf).
set -euo pipefail

# shellcheck source=/dev/null
. /etc/hotpath/role.env
: "${IMAGE:?}" "${REGION:?}" "${ROLE:?}" "${ROLE_ARGS:?}" "${HTTP_PORT:?}" "${SHUTDOWN_GRACE_S:?}"
: "${APP_SECRET_ARN:?}" "${DB_SECRET_ARN:?}" "${DB_WRITER:?}" "${REDIS_HOST:?}" "${KAFKA_BROKERS:?}"
: "${ASSETS_BUCKET:?}" "${CDN_DOMAIN:?}" "${LOG_GROUP:?}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends docker.io awscli jq ca-certificates

secret() { aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text; }
app="$(secret "$APP_SECRET_ARN")"
db="$(secret "$DB_SECRET_ARN")"
field() { jq -er --arg k "$2" '.[$k]' <<<"$1"; }
uri() { jq -rn --arg v "$1" '$v|@uri'; }

db_user="$(uri "$(field "$db" username)")"
db_password="$(uri "$(field "$db" password)")"
redis_token="$(uri "$(field "$app" redis_auth_token)")"

umask 077
install -d -m 0750 /etc/hotpath
env_file=/etc/hotpath/hotpath.env
{
  echo "HOTPATH_LISTEN=0.0.0.0:${HTTP_PORT}"
  echo "HOTPATH_DATA_DIR=/var/lib/hotpath"
  echo "HOTPATH_SHUTDOWN_GRACE_MS=$((SHUTDOWN_GRACE_S * 1000))"
  echo "HOTPATH_TOKEN_SECRET=$(field "$app" token_secret)"
  echo "HOTPATH_DATABASE_URL=postgresql://${db_user}:${db_password}@${DB_WRITER}:5432/hotpath?sslmode=require"
  echo "HOTPATH_CACHE_URL=rediss://:${redis_token}@${REDIS_HOST}:6379/0"
  echo "HOTPATH_EVENTS_URL=kafka://${KAFKA_BROKERS}"
  echo "HOTPATH_OBJECTS_URL=s3://${ASSETS_BUCKET}?region=${REGION}"
  echo "HOTPATH_ASSETS_BASE_URL=https://${CDN_DOMAIN}"
  echo "AWS_REGION=${REGION}"
  # The S3 backend signs with static keys; an IAM user's key can be kept in the app secret.
  if key="$(field "$app" aws_access_key_id 2>/dev/null)"; then
    echo "AWS_ACCESS_KEY_ID=${key}"
    echo "AWS_SECRET_ACCESS_KEY=$(field "$app" aws_secret_access_key)"
  fi
} >"$env_file"

# Images in ECR need a login; other registries are pulled anonymously.
registry="${IMAGE%%/*}"
if [[ "$registry" == *.dkr.ecr.*.amazonaws.com ]]; then
  aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$registry"
fi
docker pull "$IMAGE"

# systemd stops the container with SIGTERM and gives it the drain time plus a margin.
cat >/etc/systemd/system/hotpath.service <<UNIT
[Unit]
Description=hotpath ${ROLE}
After=docker.service network-online.target
Requires=docker.service

[Service]
Restart=always
RestartSec=2
ExecStartPre=-/usr/bin/docker rm -f hotpath
ExecStart=/usr/bin/docker run --rm --name hotpath --env-file ${env_file} \\
  -p ${HTTP_PORT}:${HTTP_PORT} -v hotpath-data:/var/lib/hotpath \\
  --log-driver awslogs --log-opt awslogs-region=${REGION} --log-opt awslogs-group=${LOG_GROUP} \\
  --log-opt awslogs-create-group=false --log-opt tag=${ROLE}/{{.ID}} \\
  --entrypoint /usr/local/bin/hotpath ${IMAGE} ${ROLE_ARGS}
ExecStop=/usr/bin/docker stop --time $((SHUTDOWN_GRACE_S + 5)) hotpath
TimeoutStopSec=$((SHUTDOWN_GRACE_S + 15))

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now hotpath.service

# CloudWatch agent (AWS's package; not in Debian): scrapes /metrics every minute and publishes the
# hotpath_* counters and gauges the alarms use (monitoring.tf) as embedded-metric-format logs in the
# namespace "hotpath", dimension "role". Prometheus histograms stay in Prometheus/ALB metrics.
curl -fsSL -o /tmp/amazon-cloudwatch-agent.deb \
  "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb"
dpkg -i /tmp/amazon-cloudwatch-agent.deb
agent_etc=/opt/aws/amazon-cloudwatch-agent/etc
cat >"$agent_etc/prometheus.yaml" <<PROM
global:
  scrape_interval: 1m
  scrape_timeout: 10s
scrape_configs:
  - job_name: hotpath
    sample_limit: 10000
    static_configs:
      - targets: ["127.0.0.1:${HTTP_PORT}"]
        labels:
          role: ${ROLE}
PROM
cat >"$agent_etc/hotpath-agent.json" <<AGENT
{
  "logs": {
    "metrics_collected": {
      "prometheus": {
        "log_group_name": "${LOG_GROUP}",
        "prometheus_config_path": "$agent_etc/prometheus.yaml",
        "emf_processor": {
          "metric_declaration_dedup": true,
          "metric_namespace": "hotpath",
          "metric_declaration": [
            {
              "source_labels": ["job"],
              "label_matcher": "^hotpath$",
              "dimensions": [["role"]],
              "metric_selectors": ["^hotpath_[a-z_]+$"]
            }
          ]
        }
      }
    }
  }
}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c "file:$agent_etc/hotpath-agent.json"
