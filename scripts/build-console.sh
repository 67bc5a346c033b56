#!/usr/bin/env bash
# Builds the operations console (web/) into OUT_DIR: `npm ci` when package-lock.json changed since
# the last install, then `npm run build`. Run by the build (CMake target console_web) only when a
# file under web/ changed; needs the npm registry for the first install only. Parallel runs (two
# build trees of one checkout) are serialised by a lock. Usage: scripts/build-console.sh WEB_DIR OUT_DIR
set -euo pipefail

web=${1:?usage: build-console.sh WEB_DIR OUT_DIR}
out=${2:?usage: build-console.sh WEB_DIR OUT_DIR}
if ! command -v npm >/dev/null; then
  echo "build-console: npm is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
cd "$web"
exec 9>".install.lock"
flock 9
if ! cmp -s package-lock.json node_modules/.installed-lock.json; then
  echo "build-console: npm ci in $web" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json node_modules/.installed-lock.json
fi
CONSOLE_OUT="$out" npm run --silent build
