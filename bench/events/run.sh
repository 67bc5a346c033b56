#!/usr/bin/env bash
# Embedded event log append benchmark (issue #3), run by `make bench`: durable appends (written and
# fdatasync'd before Publish returns) on the repository's disk, three publisher shapes, each with
# its own reference (one write + fdatasync per event, same run, same disk). About 20 seconds.
#
# Knobs (environment): BENCH_BIN_DIR (default build/bin), BENCH_EVENTS_SECONDS (5), BENCH_EVENTS_DIR (build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BENCH_BIN_DIR:-$ROOT/build/bin}/events_append_benchmark
SECONDS_EACH=${BENCH_EVENTS_SECONDS:-5}
DIR=${BENCH_EVENTS_DIR:-$ROOT/build}
[ -x "$BIN" ] || { echo "bench/events/run.sh: no binary at $BIN (run make build)" >&2; exit 1; }
echo "embedded event log: durable append throughput (target >= 200,000 events/s)"
"$BIN" --seconds "$SECONDS_EACH" --threads 16 --batch 64 --dir "$DIR"
"$BIN" --seconds "$SECONDS_EACH" --threads 4 --batch 256 --dir "$DIR" | tail -n 1
"$BIN" --seconds "$SECONDS_EACH" --threads 64 --batch 1 --dir "$DIR" | tail -n 1
