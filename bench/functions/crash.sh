#!/usr/bin/env bash
# The functions crash test (tests/scenario/test_functions_crash.py) at the issue's full size:
# 5,000 orders through placement, acceptance, assignment, pickup and delivery while the server is
# SIGKILLed 5 times at seeded random moments. ctest runs the same test with 400 orders.
#   bench/functions/crash.sh      knobs: HOTPATH_CRASH_ORDERS (5000), HOTPATH_CRASH_KILLS (5),
#                                        HOTPATH_CRASH_SEED, HOTPATH_BIN
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export HOTPATH_BIN=${HOTPATH_BIN:-$ROOT/build/bin/hotpath}
export HOTPATH_CRASH_ORDERS=${HOTPATH_CRASH_ORDERS:-5000}
export HOTPATH_CRASH_KILLS=${HOTPATH_CRASH_KILLS:-5}
export PYTHONDONTWRITEBYTECODE=1
exec python3 "$ROOT/tests/scenario/test_functions_crash.py"
