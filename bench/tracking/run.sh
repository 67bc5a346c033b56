#!/usr/bin/env bash
# Real-time tracking benchmark (issue #4), run by `make bench` after the build.
#
#   bench/tracking/run.sh [--record]
#
# References first, measured in the same run against a throwaway redis-server on 127.0.0.1 (its
# own temp dir, no persistence): redis-benchmark GEOADD (no pipelining, 50 clients) and GEOSEARCH
# (nearest 10 within 1 km, 50 clients) on a key pre-filled with 50,000 members spread over the same
# city box the hotpath benchmark uses. Then `hotpath bench tracking`, which starts its own server
# on loopback and drives it over WebSockets (docs/tracking.md). Prints the benchmark's JSON and a
# table of ratios against the issue's targets; with --record also appends both, with the commands,
# to BENCHMARKS.md under "Real-time tracking (issue #4)". Everything stops by itself.
#
# Knobs (environment): HOTPATH_BIN (default build/bin/hotpath), TRACK_RIDERS (10000),
# TRACK_WATCHERS (20000), TRACK_SECONDS (10), TRACK_CLIENT_THREADS (1), REDIS_REQUESTS (200000),
# TRACK_WATCHERS_PER_CONNECTION (default: 1 when the open-file limit allows one connection per
# watcher, else the smallest K that fits: each customer then tracks K orders on one connection).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HOTPATH_BIN:-$ROOT/build/bin/hotpath}
RIDERS=${TRACK_RIDERS:-10000}
WATCHERS=${TRACK_WATCHERS:-20000}
SECONDS_PER_PHASE=${TRACK_SECONDS:-10}
CLIENT_THREADS=${TRACK_CLIENT_THREADS:-1}
REQUESTS=${REDIS_REQUESTS:-200000}
RECORD=0

for arg in "$@"; do
  case "$arg" in
    --record) RECORD=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/tracking/run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

for tool in redis-server redis-benchmark redis-cli python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench/tracking/run.sh: '$tool' is missing; running scripts/install-deps.sh" >&2
    "$ROOT/scripts/install-deps.sh"
    break
  fi
done
[ -x "$BIN" ] || { echo "bench/tracking/run.sh: no binary at $BIN (run make build)" >&2; exit 1; }

# One descriptor per connection in each process (load generator and server), plus ~2,000 for the
# server's files. Raise the limit if allowed (raising the hard one needs CAP_SYS_RESOURCE); where it
# stays too low, customers track several orders each on one connection.
NEED=$((RIDERS + WATCHERS + 2048))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$NEED" ]; then
  ulimit -Hn "$NEED" 2>/dev/null || true
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
  ulimit -n "$NEED" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
fi
PER_CONNECTION=${TRACK_WATCHERS_PER_CONNECTION:-}
if [ -z "$PER_CONNECTION" ]; then
  PER_CONNECTION=1
  LIMIT=$(ulimit -n)
  if [ "$LIMIT" != unlimited ]; then
    if [ $((RIDERS + 2048)) -ge "$LIMIT" ]; then
      echo "bench/tracking/run.sh: $RIDERS riders do not fit the open-file limit ($LIMIT)" >&2
      exit 1
    fi
    while [ $((RIDERS + (WATCHERS + PER_CONNECTION - 1) / PER_CONNECTION + 2048)) -gt "$LIMIT" ]; do
      PER_CONNECTION=$((PER_CONNECTION + 1))
    done
    if [ "$PER_CONNECTION" -gt 1 ]; then
      echo "bench/tracking/run.sh: open-file limit $LIMIT: each customer tracks $PER_CONNECTION orders on one connection" >&2
    fi
  fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hotpath-bench-tracking-ref.XXXXXX")
REDIS_PID=""
cleanup() {
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# --- redis references ------------------------------------------------------------------------
PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$TMP" --save '' --appendonly no --daemonize no \
  --logfile "$TMP/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 100); do redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null || { echo "redis-server did not start" >&2; cat "$TMP/redis.log" >&2; exit 1; }
REDIS_VERSION=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')

rps() {  # the requests per second of redis-benchmark --csv (second column of the data row)
  python3 -c 'import csv, sys; rows = [r for r in csv.reader(sys.stdin) if r and r[0] != "test"]; print(round(float(rows[-1][1])))'
}
GEOADD_CMD="redis-benchmark -h 127.0.0.1 -p PORT -c 50 -n $REQUESTS -r $RIDERS --csv GEOADD riders:ingest -73.975 40.70 rider:__rand_int__"
echo "redis: GEOADD, 50 clients, no pipelining..." >&2
GEOADD_RPS=$(redis-benchmark -h 127.0.0.1 -p "$PORT" -c 50 -n "$REQUESTS" -r "$RIDERS" --csv \
  GEOADD riders:ingest -73.975 40.70 'rider:__rand_int__' | rps)

# 50,000 members uniformly in the city box of `hotpath bench tracking` (fixed seed).
python3 - "$TMP/prefill.resp" <<'PY'
import random, sys
rng = random.Random(7)
with open(sys.argv[1], "w", newline="") as out:
    for i in range(50000):
        lat, lon = rng.uniform(40.60, 40.80), rng.uniform(-74.10, -73.85)
        args = ["GEOADD", "riders:near", "%.7f" % lon, "%.7f" % lat, "rider:%d" % i]
        out.write("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args))
PY
redis-cli -h 127.0.0.1 -p "$PORT" --pipe <"$TMP/prefill.resp" >/dev/null
MEMBERS=$(redis-cli -h 127.0.0.1 -p "$PORT" ZCARD riders:near)
[ "$MEMBERS" = 50000 ] || { echo "redis: prefill stored $MEMBERS members, not 50000" >&2; exit 1; }
FOUND=$(redis-cli -h 127.0.0.1 -p "$PORT" GEOSEARCH riders:near FROMLONLAT -73.975 40.70 BYRADIUS 1 km ASC COUNT 10 | wc -l)
GEOSEARCH_CMD="redis-benchmark -h 127.0.0.1 -p PORT -c 50 -n $REQUESTS --csv GEOSEARCH riders:near FROMLONLAT -73.975 40.70 BYRADIUS 1 km ASC COUNT 10"
echo "redis: GEOSEARCH nearest 10 within 1 km among 50,000 ($FOUND found), 50 clients..." >&2
GEOSEARCH_RPS=$(redis-benchmark -h 127.0.0.1 -p "$PORT" -c 50 -n "$REQUESTS" --csv \
  GEOSEARCH riders:near FROMLONLAT -73.975 40.70 BYRADIUS 1 km ASC COUNT 10 | rps)
kill -TERM "$REDIS_PID" 2>/dev/null || true
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=""

# --- hotpath ---------------------------------------------------------------------------------
HOTPATH_CMD="hotpath bench tracking --riders $RIDERS --watchers $WATCHERS --watchers-per-connection $PER_CONNECTION --seconds $SECONDS_PER_PHASE --client-threads $CLIENT_THREADS --json"
echo "hotpath: bench tracking ($RIDERS riders, $WATCHERS watchers, $SECONDS_PER_PHASE s per phase)..." >&2
# The binary reads every HOTPATH_* variable as configuration; the benchmark's server gets none of ours.
mapfile -t unset_args < <(env | sed -n 's/^\(HOTPATH_[A-Za-z0-9_]*\)=.*/-u\n\1/p')
JSON=$(env "${unset_args[@]}" "$BIN" bench tracking --riders "$RIDERS" --watchers "$WATCHERS" \
  --watchers-per-connection "$PER_CONNECTION" --seconds "$SECONDS_PER_PHASE" --client-threads "$CLIENT_THREADS" --json)

# --- report ----------------------------------------------------------------------------------
TABLE=$(JSON="$JSON" GEOADD_RPS="$GEOADD_RPS" GEOSEARCH_RPS="$GEOSEARCH_RPS" python3 - <<'PY'
import json, os
d = json.loads(os.environ["JSON"])
geoadd, geosearch = float(os.environ["GEOADD_RPS"]), float(os.environ["GEOSEARCH_RPS"])
def verdict(ok): return "met" if ok else "MISSED"
ingest = d["fixes_per_s"] / geoadd if geoadd else 0
nearby = d["nearby_per_s"] / geosearch if geosearch else 0
full = d["riders"] >= 10000 and d["watchers"] >= 20000
rows = [
    ("peak ingest (fixes/s over WebSockets)", "%.0f" % d["fixes_per_s"], ""),
    ("redis GEOADD (ops/s, 50 clients, no pipelining)", "%.0f" % geoadd, "reference"),
    ("peak ingest / GEOADD", "%.2fx" % ingest, ">= 1.0x (%s)" % verdict(ingest >= 1.0)),
    ("fan-out p50 / p99 (ms), %d riders, %d watchers on %d connections" % (d["riders"], d["watchers"], d["watcher_connections"]),
     "%.2f / %.2f" % (d["fanout_p50_ms"], d["fanout_p99_ms"]),
     "p99 < 20 ms at 10,000 / 20,000 (%s)" % (verdict(d["fanout_p99_ms"] < 20) if full else "not at full size")),
    ("positions to watchers (frames/s), live fixes/s", "%.0f, %.0f" % (d["positions_per_s"], d["live_fixes_per_s"]), ""),
    ("nearest 10 within 1 km among 50,000 (queries/s, in process, 1 thread)", "%.0f" % d["nearby_per_s"], ""),
    ("redis GEOSEARCH same query (ops/s, 50 clients)", "%.0f" % geosearch, "reference"),
    ("nearby / GEOSEARCH", "%.2fx" % nearby, ">= 3x (%s)" % verdict(nearby >= 3)),
    ("server memory per idle WebSocket (bytes, RSS delta / %d)" % d["connections"], "%.0f" % d["bytes_per_connection"],
     "< 16 KiB (%s)" % verdict(d["bytes_per_connection"] < 16384)),
    ("errors (peak, live), closed by the server", "%d, %d, %d" % (d["peak_errors"], d["live_errors"], d["closed_by_server"]), "none"),
]
print("| measure | value | target |\n|---|---:|---|")
for r in rows: print("| %s | %s | %s |" % r)
PY
)
COMMIT=$(python3 "$ROOT/bench/lib/benchmarks_md.py" --binary-commit "$BIN")  # the binary's build, not HEAD
HEADER="hotpath $COMMIT, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg)), redis $REDIS_VERSION, open-file limit $(ulimit -n)"
echo
echo "$HEADER"
echo "$JSON"
echo
echo "$TABLE"

if [ "$RECORD" = 1 ]; then
  COMMANDS=$(
    echo "bench/tracking/run.sh --record    # make bench"
    echo "$GEOADD_CMD"
    echo "redis-cli -p PORT --pipe < prefill.resp    # 50,000 x GEOADD riders:near (seed 7, lat 40.60-40.80, lon -74.10 to -73.85)"
    echo "$GEOSEARCH_CMD"
    echo "$HOTPATH_CMD"
  )
  python3 "$ROOT/bench/lib/benchmarks_md.py" "${BENCHMARKS_FILE:-$ROOT/BENCHMARKS.md}" \
    --heading "## Real-time tracking (issue #4)" \
    --intro "\`make bench\` (bench/tracking/run.sh): \`hotpath bench tracking\` against its own server over WebSockets on
loopback, and redis-benchmark GEOADD / GEOSEARCH against a throwaway redis-server in the same run.
Targets from issue #4. What each figure measures: docs/tracking.md, \"Benchmark\"." \
    --header "$HEADER" --block "$COMMANDS" --block "$JSON" --table "$TABLE"
fi
