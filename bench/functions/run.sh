#!/usr/bin/env bash
# End-to-end benchmark of the event pipeline (issue #3): latency from `order.placed` committed to
# the notify webhook received, at a paced placement rate (default at most 1,000 orders/s).
#
#   bench/functions/run.sh [--record]
#
# Starts `hotpath serve --demo` and a webhook receiver (bench/functions/receiver.py, asyncio, checks
# every signature) on 127.0.0.1; the demo customer registers the receiver as a webhook channel; wrk
# places orders paced by bench/functions/paced_orders.lua. The latency of each order is the webhook's
# arrival time minus the event's `time` (stamped in the placement transaction just before its
# commit), so it includes the commit, the outbox relay, the bus append (fdatasync), the notify
# function (its delivery rows committed with the processed id) and the HTTP POST. Reference in the
# same run: wrk's latency of the placement request itself. With --record appends the table to
# BENCHMARKS.md. Knobs: BENCH_RATE (1000), BENCH_DURATION (10s), BENCH_CONNECTIONS (50), HOTPATH_BIN.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HOTPATH_BIN:-$ROOT/build/bin/hotpath}
RATE=${BENCH_RATE:-1000}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
RECORD=0
for arg in "$@"; do
  case "$arg" in
    --record) RECORD=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/functions/run.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/functions/run.sh: '$tool' is missing" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench/functions/run.sh: no binary at $BIN (run make build)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hotpath-e2e.XXXXXX")
HOTPATH_PID=""
RECEIVER_PID=""
cleanup() {
  local pid
  for pid in $HOTPATH_PID $RECEIVER_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $HOTPATH_PID $RECEIVER_PID; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
json_get() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

SECRET="bench-webhook-secret-$$"
python3 "$ROOT/bench/functions/receiver.py" "$SECRET" "$TMP/receiver.port" "$TMP/receiver.json" &
RECEIVER_PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/receiver.port" ] && break; sleep 0.1; done
RX="http://127.0.0.1:$(cat "$TMP/receiver.port")"

echo "starting hotpath --demo..." >&2
mapfile -t unset_args < <(env | sed -n 's/^\(HOTPATH_[A-Za-z0-9_]*\)=.*/-u\n\1/p')
env "${unset_args[@]}" "$BIN" serve --demo --listen 127.0.0.1:0 --data-dir "$TMP/data" --log-level warn --rate-limit-user-per-s 0 \
  >"$TMP/hotpath.out" 2>"$TMP/hotpath.log" &
HOTPATH_PID=$!
HP_PORT=""
for _ in $(seq 1 1200); do
  HP_PORT=$(sed -n 's#.* listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$TMP/hotpath.out" | head -1)
  [ -n "$HP_PORT" ] && break
  kill -0 "$HOTPATH_PID" 2>/dev/null || { echo "hotpath exited:" >&2; tail -20 "$TMP/hotpath.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$HP_PORT" ] || { echo "hotpath did not start" >&2; exit 1; }
HP="http://127.0.0.1:$HP_PORT"

TOKEN=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"email":"customer@demo.hotpath.dev","password":"demo-password"}' "$HP/v1/auth/login" | json_get 'd["token"]')
curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d "{\"kind\":\"webhook\",\"target\":\"$RX/hook\",\"secret\":\"$SECRET\"}" "$HP/v1/me/notification-channels" >/dev/null
RID=$(curl -sf "$HP/v1/restaurants?lat=40.715&lon=-73.995&radius_m=5000&limit=1" | json_get 'd["items"][0]["id"]')
RESTAURANT=$(curl -sf "$HP/v1/restaurants/$RID")
curl -sf "$HP/v1/restaurants/$RID/menu" -o "$TMP/menu.json"
BODY=$(printf '%s' "$RESTAURANT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
menu = json.load(open(sys.argv[1]))
print(json.dumps({"restaurant_id": r["id"], "items": [{"item_id": menu["items"][0]["id"], "quantity": 1}],
                  "delivery": {"lat": r["location"]["lat"] + 0.005, "lon": r["location"]["lon"] + 0.005,
                               "address": "1 Benchmark Plaza"},
                  "payment_method": "tok_visa"}, separators=(",", ":")))' "$TMP/menu.json")
curl -sf -X POST "$RX/start" -o /dev/null

DELAY_MS=$(awk -v c="$CONNS" -v r="$RATE" 'BEGIN { printf "%d", c * 1000 / r }')
echo "wrk: placing orders at <= $RATE/s ($CONNS connections, ${DELAY_MS} ms apart each)..." >&2
(cd "$ROOT" && BENCH_TOKEN=$TOKEN BENCH_BODY=$BODY BENCH_RUN=$(date +%s)$$ BENCH_DELAY_MS=$DELAY_MS \
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/functions/paced_orders.lua "$HP") >"$TMP/wrk.txt"
field() { sed -n "s/^$1 \(.*\)$/\1/p" "$TMP/wrk.txt"; }
CREATED=$(field ORDERS_CREATED)
OTHER=$(field ORDERS_OTHER)
ACHIEVED=$(awk -v n="$CREATED" -v s="$(field DURATION_S)" 'BEGIN { printf "%.0f", n / s }')
# Every placed order's webhook must arrive (bounded wait).
for _ in $(seq 1 600); do
  [ "$(curl -sf "$RX/count")" -ge "$CREATED" ] && break
  sleep 0.1
done
GOT=$(curl -sf "$RX/count")
kill -TERM "$RECEIVER_PID"; wait "$RECEIVER_PID" 2>/dev/null || true; RECEIVER_PID=""
R=$(cat "$TMP/receiver.json")
P50=$(printf '%s' "$R" | json_get '"%.1f" % d["p50_ms"]')
P99=$(printf '%s' "$R" | json_get '"%.1f" % d["p99_ms"]')
MAX=$(printf '%s' "$R" | json_get '"%.1f" % d["max_ms"]')
BAD=$(printf '%s' "$R" | json_get 'd["bad"]')
DUPES=$(printf '%s' "$R" | json_get 'd["dupes"]')
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }
COMMIT=$(python3 "$ROOT/bench/lib/benchmarks_md.py" --binary-commit "$BIN")  # the binary's build, not HEAD
HEADER="hotpath $COMMIT, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end"
TABLE=$(
  printf '| measure | value | target |\n|---|---:|---|\n'
  printf '| orders placed (201/s), paced at <= %s/s | %s | %s/s |\n' "$RATE" "$ACHIEVED" "$RATE"
  printf '| placement request p50 / p99 (ms), reference | %s / %s | |\n' "$(field P50_MS)" "$(field P99_MS)"
  printf '| placed -> webhook received p50 / p99 / max (ms) | %s / %s / %s | p99 < 50 (%s) |\n' \
    "$P50" "$P99" "$MAX" "$(verdict "$P99 < 50")"
  printf '| p99 webhook / p99 placement | %sx | |\n' "$(awk -v a="$P99" -v b="$(field P99_MS)" 'BEGIN { printf "%.1f", a / b }')"
  printf '| orders 201 / other; webhooks received / bad signatures / repeats | %s / %s; %s / %s / %s | all received |\n' \
    "$CREATED" "$OTHER" "$GOT" "$BAD" "$DUPES"
)
echo
echo "$HEADER"
echo "$TABLE"
if [ "$RECORD" = 1 ]; then
  python3 "$ROOT/bench/lib/benchmarks_md.py" "${BENCHMARKS_FILE:-$ROOT/BENCHMARKS.md}" \
    --heading "## Events and functions, end to end (issue #3)" \
    --intro "\`make bench\` (bench/functions/run.sh): \`order.placed\` committed -> notify webhook received, with orders
placed by wrk at a paced rate; the placement request's own latency is the reference of the same run." \
    --header "$HEADER" --block "BENCH_RATE=$RATE BENCH_DURATION=$DURATION bench/functions/run.sh --record" --table "$TABLE"
fi
[ "$GOT" -ge "$CREATED" ] || { echo "missing webhooks: $GOT of $CREATED" >&2; exit 1; }
