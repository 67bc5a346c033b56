#!/usr/bin/env bash
# Li & Lim PDPTW benchmark: solves a set of instances with the built hotpath-pdptw binary, checks
# every solution with the independent referee (shared/tools/pdptw_check.py) and prints a table
# with totals against the best-known solutions.
#
# usage: bench/pdptw/run.sh [INSTANCE_NAME ...]
# env:   PDPTW_SET=li_lim_100   PDPTW_TIME=10   PDPTW_THREADS=2   PDPTW_SEED=1
#        PDPTW_BIN=<build>/bin/hotpath-pdptw   PDPTW_OUT=<dir for solutions>   SHARED_DIR=../shared
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED_DIR="${SHARED_DIR:-$ROOT/../shared}"
SET="${PDPTW_SET:-li_lim_100}"
TIME="${PDPTW_TIME:-10}"
THREADS="${PDPTW_THREADS:-2}"
SEED="${PDPTW_SEED:-1}"
BIN="${PDPTW_BIN:-}"
if [[ -z "$BIN" ]]; then
  for b in "$ROOT/build/bin/hotpath-pdptw" "$ROOT/build-pdptw/bin/hotpath-pdptw"; do
    [[ -x "$b" ]] && BIN="$b" && break
  done
fi
[[ -x "$BIN" ]] || { echo "hotpath-pdptw binary not found; build it or set PDPTW_BIN" >&2; exit 2; }
DATA="$SHARED_DIR/data/pdptw-li-lim"
BKS="$DATA/sintef_bks/tables_LiLim_GH.csv"
CHECK="$SHARED_DIR/tools/pdptw_check.py"
OUT="${PDPTW_OUT:-$(mktemp -d -t pdptw-bench.XXXXXX)}"
mkdir -p "$OUT"

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for f in "$DATA/$SET"/*.txt; do names+=("$(basename "$f" .txt)"); done
fi

echo "# set=$SET time_limit=${TIME}s threads=$THREADS seed=$SEED binary=$BIN solutions=$OUT"
results="$OUT/results.jsonl"
: >"$results"
for name in "${names[@]}"; do
  inst="$DATA/$SET/$name.txt"
  sol="$OUT/$name.txt"
  start=$(date +%s.%N)
  if ! "$BIN" solve "$inst" --time-limit "$TIME" --threads "$THREADS" --seed "$SEED" --out "$sol" \
      >"$OUT/$name.log" 2>&1; then
    echo "{\"instance\": \"$name\", \"feasible\": false, \"errors\": [\"solver failed\"]}" >>"$results"
    continue
  fi
  end=$(date +%s.%N)
  python3 "$CHECK" "$inst" "$sol" "$BKS" | python3 -c "
import json, sys
r = json.loads(sys.stdin.read()); r['seconds'] = round($end - $start, 2); print(json.dumps(r))" \
    >>"$results" || true
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'instance':10} {'veh':>4} {'bks':>4} {'distance':>11} {'bks_dist':>11} {'gap%':>7} {'sec':>6}  ok")
tv = tb = infeasible = matched = within = 0
gaps = []
for r in rows:
    ok = r.get('feasible', False)
    infeasible += not ok
    v, bv = r.get('vehicles', 0), r.get('bks_vehicles', 0)
    tv += v; tb += bv
    gap = r.get('distance_gap_pct', float('nan'))
    if ok and v == bv:
        matched += 1; gaps.append(gap); within += gap <= 1.0
    print(f"{r['instance']:10} {v:4d} {bv:4d} {r.get('distance', 0):11.2f} {r.get('bks_distance', 0):11.2f} "
          f"{gap:7.2f} {r.get('seconds', 0):6.2f}  {'yes' if ok else 'NO ' + '; '.join(r.get('errors', []))[:60]}")
print(f"TOTAL instances={len(rows)} infeasible={infeasible} vehicles={tv} bks_vehicles={tb} "
      f"vehicle_count_matched={matched} within_1pct_of_bks_distance={within}/{matched} "
      f"mean_gap_matched={sum(gaps) / max(1, len(gaps)):.3f}%")
PY
