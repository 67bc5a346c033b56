#!/usr/bin/env bash
# Installs the Debian 12 packages hotpath builds, tests and benchmarks with. Idempotent: it asks apt
# only for what is missing, so a second run costs a dpkg query.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql-15 postgresql-client-15 libsodium-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxgboost-dev libglpk-dev
  curl jq wrk nginx-light
  libcurl4-openssl-dev libxml2-dev libmagic-dev libvips-dev haproxy
  yamllint python3-yaml shellcheck
  prometheus chromium
  librdkafka-dev kcat
  libhiredis-dev redis-server redis-tools libssl-dev openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js and npm (the tests install s3rver from the npm registry): Debian's packages unless a
# node installation that brings its own npm is already there.
if ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
