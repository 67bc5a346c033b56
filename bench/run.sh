#!/usr/bin/env bash
# Load benchmark of the platform core (issue #2), run by `make bench` after the build.
#
#   bench/run.sh [--record]
#
# Starts `hotpath serve --demo` and, as the reference measured in the same run, nginx serving the
# same menu JSON as a static file; then wrk against both (menu reads) and a wrk Lua script placing
# orders (POST /v1/orders, a fresh Idempotency-Key per request). Everything listens on 127.0.0.1
# on free ports, stops by itself and is cleaned up. Prints a table; with --record also appends it,
# with the commands, to BENCHMARKS.md under "Platform core (issue #2)".
#
# Knobs (environment): HOTPATH_BIN (binary, default build/bin/hotpath), BENCH_DURATION (10s),
# BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_NGINX_WORKERS (auto), BENCH_DATA_DIR (reuse a
# seeded data directory), BENCH_KEEP=1 (keep the temp dir with the logs and wrk outputs),
# BENCH_DATABASE_URL / BENCH_DATABASE_REPLICAS (run hotpath on PostgreSQL; bench/postgres/run.py),
# BENCH_RESULTS=FILE (also write the measures as KEY=VALUE lines there).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${HOTPATH_BIN:-$ROOT/build/bin/hotpath}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
RECORD=0

for arg in "$@"; do
  case "$arg" in
    --record) RECORD=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

for tool in wrk nginx curl python3; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    echo "bench/run.sh: '$tool' is missing (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BIN" ] || { echo "bench/run.sh: no binary at $BIN (run make build)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hotpath-bench.XXXXXX")
HOTPATH_PID=""
NGINX_PID=""
cleanup() {
  local pid
  for pid in $HOTPATH_PID $NGINX_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $HOTPATH_PID $NGINX_PID; do
    # bounded wait, then no mercy
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
json_get() {  # json_get EXPR  (reads JSON on stdin; EXPR is Python over `d`)
  python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

# --- hotpath ---------------------------------------------------------------------------------
echo "starting hotpath --demo (seeding hashes ~50 demo passwords; a few seconds)..." >&2
# The binary reads every HOTPATH_* variable as configuration; it gets none of ours.
mapfile -t unset_args < <(env | sed -n 's/^\(HOTPATH_[A-Za-z0-9_]*\)=.*/-u\n\1/p')
DATA_DIR=${BENCH_DATA_DIR:-$TMP/data}  # a kept directory skips the seeding on the next run
db_args=()
[ -n "${BENCH_DATABASE_URL:-}" ] && db_args+=(--database-url "$BENCH_DATABASE_URL")
[ -n "${BENCH_DATABASE_REPLICAS:-}" ] && db_args+=(--database-replicas "$BENCH_DATABASE_REPLICAS")
# The load generators act as one customer at full speed: no per-user rate limit here.
env "${unset_args[@]}" "$BIN" serve --demo --listen 127.0.0.1:0 --data-dir "$DATA_DIR" --rate-limit-user-per-s 0 \
  "${db_args[@]}" \
  >"$TMP/hotpath.out" 2>"$TMP/hotpath.log" &
HOTPATH_PID=$!
HP_PORT=""
for _ in $(seq 1 1200); do  # up to 120 s on a busy machine
  HP_PORT=$(sed -n 's#.* listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$TMP/hotpath.out" | head -1)
  [ -n "$HP_PORT" ] && break
  kill -0 "$HOTPATH_PID" 2>/dev/null || { echo "hotpath exited:" >&2; tail -20 "$TMP/hotpath.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$HP_PORT" ] || { echo "hotpath did not start" >&2; exit 1; }
HP="http://127.0.0.1:$HP_PORT"

RID=$(curl -sf "$HP/v1/restaurants?lat=40.715&lon=-73.995&radius_m=5000&limit=1" | json_get 'd["items"][0]["id"]')
MENU_PATH="/v1/restaurants/$RID/menu"
mkdir -p "$TMP/www"
chmod 755 "$TMP" "$TMP/www"  # nginx workers drop to an unprivileged user when started as root
curl -sf "$HP$MENU_PATH" -o "$TMP/www/menu.json"
MENU_BYTES=$(wc -c <"$TMP/www/menu.json")

# --- nginx -----------------------------------------------------------------------------------
NG_PORT=$(free_port)
sed -e "s#@WORKERS@#$NGINX_WORKERS#g" -e "s#@PORT@#$NG_PORT#g" -e "s#@DIR@#$TMP#g" \
  "$ROOT/bench/platform/nginx.conf.template" >"$TMP/nginx.conf"
"$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" &
NGINX_PID=$!
NG="http://127.0.0.1:$NG_PORT"
for _ in $(seq 1 100); do curl -sf "$NG/menu.json" -o /dev/null && break; sleep 0.1; done
cmp -s <(curl -sf "$NG/menu.json") "$TMP/www/menu.json" || { echo "nginx is not serving the menu" >&2; exit 1; }

# --- menu reads ------------------------------------------------------------------------------
WRK_MENU="wrk -t$THREADS -c$CONNS -d$DURATION --latency"
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }
p99() {  # wrk prints "99%  12.34ms" (or us / s)
  sed -n 's/^ *99% *\([0-9.]*\)\(us\|ms\|s\)$/\1 \2/p' "$1" |
    awk '{ v = $1; if ($2 == "us") v /= 1000; else if ($2 == "s") v *= 1000; printf "%.2f", v }'
}
echo "wrk: menu from hotpath ($MENU_BYTES bytes)..." >&2
$WRK_MENU "$HP$MENU_PATH" >"$TMP/wrk-hotpath.txt"
echo "wrk: menu from nginx..." >&2
$WRK_MENU "$NG/menu.json" >"$TMP/wrk-nginx.txt"
HP_RPS=$(rps "$TMP/wrk-hotpath.txt")
NG_RPS=$(rps "$TMP/wrk-nginx.txt")
HP_P99=$(p99 "$TMP/wrk-hotpath.txt")
NG_P99=$(p99 "$TMP/wrk-nginx.txt")
HP_ERR=$(grep -c 'Non-2xx\|Socket errors' "$TMP/wrk-hotpath.txt" || true)

# --- placing orders --------------------------------------------------------------------------
TOKEN=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"email":"customer@demo.hotpath.dev","password":"demo-password"}' "$HP/v1/auth/login" | json_get 'd["token"]')
RESTAURANT=$(curl -sf "$HP/v1/restaurants/$RID")
BODY=$(printf '%s' "$RESTAURANT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
menu = json.load(open(sys.argv[1]))
print(json.dumps({"restaurant_id": r["id"],
                  "items": [{"item_id": menu["items"][0]["id"], "quantity": 2},
                            {"item_id": menu["items"][3]["id"], "quantity": 1}],
                  "delivery": {"lat": r["location"]["lat"] + 0.005, "lon": r["location"]["lon"] + 0.005,
                               "address": "1 Benchmark Plaza"},
                  "payment_method": "tok_visa"}, separators=(",", ":")))' "$TMP/www/menu.json")
placed_total() {
  curl -sf "$HP/metrics" | sed -n 's/^hotpath_orders_total{status="placed"} \([0-9.e+]*\)$/\1/p' |
    awk '{ printf "%d", $1 } END { if (NR == 0) printf "0" }'
}
PLACED_BEFORE=$(placed_total)
WRK_ORDERS="wrk -t$THREADS -c$CONNS -d$DURATION --latency -s bench/platform/place_orders.lua"
echo "wrk: placing orders..." >&2
# CPU seconds of the server (and of the database servers named in BENCH_CPU_PIDS, e.g.
# "postgres=PID,PID") and of wrk over the placing run: CPU per order by process.
read -r -a CPU_GROUPS <<<"hotpath=$HOTPATH_PID ${BENCH_CPU_PIDS:-}"
cpu_snap() { python3 "$ROOT/bench/lib/cpu_seconds.py" snap "${CPU_GROUPS[@]}"; }
CPU_BEFORE=$(cpu_snap)
BENCH_TOKEN=$TOKEN BENCH_BODY=$BODY BENCH_RUN=$(date +%s)$$ \
  python3 "$ROOT/bench/lib/cpu_seconds.py" run "$TMP/wrk-orders.cpu" -- \
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$ROOT/bench/platform/place_orders.lua" "$HP" \
  >"$TMP/wrk-orders.txt"
CPU_AFTER=$(cpu_snap)
PLACED_AFTER=$(placed_total)
field() { sed -n "s/^$1 \(.*\)$/\1/p" "$TMP/wrk-orders.txt"; }
CREATED=$(field ORDERS_CREATED)
OTHER=$(field ORDERS_OTHER)
SECONDS_RUN=$(field DURATION_S)
ORD_P50=$(field P50_MS)
ORD_P99=$(field P99_MS)
ORD_RATE=$(awk -v n="$CREATED" -v s="$SECONDS_RUN" 'BEGIN { printf "%.0f", n / s }')
SERVER_COUNTED=$((PLACED_AFTER - PLACED_BEFORE))
# CPU microseconds per order placed (201) by process group: "hotpath=U postgres=U wrk=U"
CPU_PER_ORDER=$(
  { awk '{ print "before=" $0 }' <<<"$CPU_BEFORE"; awk '{ print "after=" $0 }' <<<"$CPU_AFTER"
    echo "after=wrk=$(cat "$TMP/wrk-orders.cpu")"; } |
    awk -v n="$CREATED" -F= '$1 == "before" { b[$2] = $3 } $1 == "after" { a[$2] = $3; order[++k] = $2 }
      END { for (i = 1; i <= k; i++) { g = order[i]; printf "%s%s=%.0f", (i > 1 ? " " : ""), g, (a[g] - b[g]) * 1e6 / (n > 0 ? n : 1) } }'
)

# --- report ----------------------------------------------------------------------------------
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }
RATIO=$(awk -v a="$HP_RPS" -v b="$NG_RPS" 'BEGIN { printf "%.2f", a / b }')
COMMIT=$(python3 "$ROOT/bench/lib/benchmarks_md.py" --binary-commit "$BIN")  # the binary's build, not HEAD
TABLE=$(
  printf '| measure | value | target |\n|---|---:|---|\n'
  printf '| menu GET, hotpath (req/s) | %.0f | |\n' "$HP_RPS"
  printf '| menu GET, nginx static file (req/s) | %.0f | reference |\n' "$NG_RPS"
  printf '| menu GET, hotpath / nginx | %sx | >= 0.6x (%s) |\n' "$RATIO" "$(verdict "$RATIO >= 0.6")"
  printf '| menu GET p99, hotpath / nginx (ms) | %s / %s | |\n' "$HP_P99" "$NG_P99"
  printf '| orders placed (201/s) | %s | >= 5000 (%s) |\n' "$ORD_RATE" "$(verdict "$ORD_RATE >= 5000")"
  printf '| order placement p50 / p99 (ms) | %s / %s | p99 < 25 (%s) |\n' "$ORD_P50" "$ORD_P99" \
    "$(verdict "$ORD_P99 < 25")"
  printf '| orders: 201 / other / counted by server (+ in flight at the end) | %s / %s / %s | no errors |\n' \
    "$CREATED" "$OTHER" "$SERVER_COUNTED"
  printf '| CPU per order placed (us, by process) | %s | |\n' "$CPU_PER_ORDER"
)
HEADER="hotpath $COMMIT, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$THREADS -c$CONNS -d$DURATION, nginx $NGINX_WORKERS workers, menu $MENU_BYTES bytes"
echo
echo "$HEADER"
echo "$TABLE"
if [ "$HP_ERR" != "0" ]; then echo "note: wrk saw errors on the hotpath menu run:"; grep 'Non-2xx\|Socket errors' "$TMP/wrk-hotpath.txt"; fi

if [ -n "${BENCH_RESULTS:-}" ]; then
  {
    echo "MENU_HOTPATH_RPS=$HP_RPS"
    echo "MENU_NGINX_RPS=$NG_RPS"
    echo "MENU_HOTPATH_P99_MS=$HP_P99"
    echo "MENU_NGINX_P99_MS=$NG_P99"
    echo "MENU_BYTES=$MENU_BYTES"
    echo "MENU_ERRORS=$HP_ERR"
    echo "ORDERS_CREATED=$CREATED"
    echo "ORDERS_OTHER=$OTHER"
    echo "ORDERS_SECONDS=$SECONDS_RUN"
    echo "ORDERS_PER_S=$ORD_RATE"
    echo "ORDERS_P50_MS=$ORD_P50"
    echo "ORDERS_P99_MS=$ORD_P99"
    echo "ORDERS_COUNTED_BY_SERVER=$SERVER_COUNTED"
    echo "ORDERS_CPU_US=$CPU_PER_ORDER"
    echo "WRK=wrk -t$THREADS -c$CONNS -d$DURATION"
    echo "MENU_PATH=$MENU_PATH"
    # reads per database server (primary / replicaN) over the whole run
    echo "DB_READS=$(curl -sf "$HP/metrics" | sed -n 's/^hotpath_db_reads_total{server="\([^"]*\)"} \([0-9.e+]*\)$/\1:\2/p' | paste -sd' ')"
  } >"$BENCH_RESULTS"
fi

if [ "$RECORD" = 1 ]; then
  COMMANDS=$(
    echo "bench/run.sh --record    # make bench"
    echo "$WRK_MENU http://127.0.0.1:PORT$MENU_PATH"
    echo "$WRK_MENU http://127.0.0.1:PORT/menu.json    # nginx -c bench/platform/nginx.conf.template"
    echo "$WRK_ORDERS http://127.0.0.1:PORT"
  )
  python3 "$ROOT/bench/lib/benchmarks_md.py" "${BENCHMARKS_FILE:-$ROOT/BENCHMARKS.md}" \
    --heading "## Platform core (issue #2)" \
    --intro "\`make bench\` (bench/run.sh): wrk against hotpath's menu and nginx serving the same JSON in the same run;
a wrk Lua script placing durable orders (bench/platform/place_orders.lua). Targets from issue #2." \
    --header "$HEADER" --block "$COMMANDS" --table "$TABLE"
fi
