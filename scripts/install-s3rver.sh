#!/usr/bin/env bash
# Installs s3rver (an independent S3-compatible server, from the npm registry) into DIR for the
# tests that exercise hotpath's S3 object store. Idempotent and safe to run from parallel tests
# (a lock serialises installs). Usage: scripts/install-s3rver.sh DIR
set -euo pipefail

dir=${1:?usage: install-s3rver.sh DIR}
version=3.7.1
mkdir -p "$dir"
exec 9>"$dir/.install.lock"
flock 9
if [ -x "$dir/node_modules/.bin/s3rver" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/s3rver/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-s3rver: npm is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
echo "install-s3rver: installing s3rver@$version into $dir" >&2
npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "s3rver@$version" >&2
