#!/usr/bin/env bash
# `make run`: the demo city on LISTEN, kept alive by `hotpath simulate` in the background, until
# Ctrl-C (or the server stops). Usage: scripts/run-demo.sh BIN LISTEN DATA_DIR SPEEDUP [SERVE_ARGS...]
set -euo pipefail

BIN=$1
LISTEN=$2
DATA_DIR=$3
SPEEDUP=$4
shift 4
URL="http://$LISTEN"
mkdir -p "$DATA_DIR"
SIM_LOG="$DATA_DIR/simulate.log"
SERVER_LOG="$DATA_DIR/hotpath.log"

server=""
sim=""
stop() {
  trap - INT TERM EXIT
  # The simulator first (it prints its summary into its log), then the server.
  if [ -n "$sim" ]; then
    kill -TERM "$sim" 2>/dev/null || true
    wait "$sim" 2>/dev/null || true
  fi
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# Both run in sessions of their own: Ctrl-C reaches this script only, which stops the simulator
# first (it cancels its open orders while the server still answers), then the server.
# The banner (demo accounts, what to try) on the terminal; the request log in a file.
setsid "$BIN" serve --demo --listen "$LISTEN" --data-dir "$DATA_DIR" "$@" 2>>"$SERVER_LOG" &
server=$!

# The server prints its banner once it listens; wait for that.
until curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; do
  if ! kill -0 "$server" 2>/dev/null; then
    code=0
    wait "$server" || code=$?
    echo "hotpath serve exited ($code) before listening; the end of $SERVER_LOG:" >&2
    tail -n 5 "$SERVER_LOG" >&2
    exit 1
  fi
  sleep 0.2
done

setsid "$BIN" simulate --url "$URL" --speedup "$SPEEDUP" --duration 0 >"$SIM_LOG" 2>&1 &
sim=$!
cat <<MSG

The simulator keeps the city alive at ${SPEEDUP}x (customers ordering on a daily curve, restaurants
cooking, riders delivering); its progress and summary go to $SIM_LOG.
Watch it:  tail -f $SIM_LOG          (server log: $SERVER_LOG)
           curl -s $URL/metrics | grep hotpath_orders_total
Ctrl-C stops both.
MSG

wait "$server"
