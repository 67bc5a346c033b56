#!/usr/bin/env bash
# Staffing evaluated on Grubhub MDRP days (`make bench-staffing`; docs/forecast.md, "Staffing evaluated
# on MDRP days"). Every s1 instance is replayed by the dispatch engine with its original couriers and with
# couriers from the staffing plan. The planner's settings are the command's defaults, chosen on days 0-2
# (bench/staffing/tune.py reproduces that grid); days 3-9 are reported with them once. Prints:
#   1. the tuning curve (days 0-2; the share of the schedule's courier-hours swept)
#   2. the held-out days 3-9: the headline (0.97 x the schedule's hours, the default) inside the
#      trade-off curve, verdicts per base day, the pre-declared alternative --reference-days earlier,
#      the plan before on the same engine (--slot-minutes 60: shifts on the hour) and the oracle shape
#      (the day's actual orders placed into the same hours: an upper bound, not a forecast). The
#      planner before that (--level forecast --load-bands 0 --utilisation 0.54) is in docs/forecast.md.
#   3. the referee (../shared/tools/mdrp_check.py) over every original and headline solution.
# Every evaluation replays both schedules with engine seeds 1-3 (--seeds 3, the default) and prints both
# verdicts: strict (seed 1) and seed spread (the means over the seeds against the original's mean plus its
# own seed range; docs/forecast.md). About 18 minutes of CPU on this 2-core machine (6 with --seeds 1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${HOTPATH_SHARED_DIR:-$(cd "$ROOT/../shared" && pwd)}
BIN=${HOTPATH_BIN:-$ROOT/build/bin/hotpath}
OUT=${OUT_DIR:-$ROOT/build/bench-staffing}
I=$SHARED/data/mdrp/public_instances
CURVE=1,0.97,0.95,0.9
mapfile -t TUNE < <(ls -d "$I"/[012]*s1*)
mapfile -t TEST < <(ls -d "$I"/[3-9]*s1*)
mkdir -p "$OUT"

# The evaluations are independent: two at a time (the machine has 2 cores), printed in order below.
ev() { local out=$1; shift; nice -n 5 "$BIN" staffing evaluate "$@" --quiet >"$out"; }
ev "$OUT/tune.txt" "${TUNE[@]}" --hours-share $CURVE --out "$OUT/tune" & a=$!
ev "$OUT/test.txt" "${TEST[@]}" --hours-share $CURVE --out "$OUT/test" & b=$!
wait $a; wait $b
ev "$OUT/test.jsonl" "${TEST[@]}" --json --out "$OUT/test-json" & a=$!
ev "$OUT/earlier.txt" "${TEST[@]}" --reference-days earlier --hours-share 1,0.97 --out "$OUT/earlier" & b=$!
wait $a; wait $b
ev "$OUT/before.txt" "${TEST[@]}" --slot-minutes 60 --hours-share 1,0.97 --out "$OUT/before" & a=$!
ev "$OUT/oracle.txt" "${TEST[@]}" --forecast oracle --hours-share 1,0.97,0.9 --out "$OUT/oracle" & b=$!
wait $a; wait $b

echo "== tuning days 0-2 (${#TUNE[@]} s1 instances): $BIN staffing evaluate $I/[012]*s1* --hours-share $CURVE"
sed -n '/^| staffing/,$p' "$OUT/tune.txt"

echo
echo "== held out days 3-9 (${#TEST[@]} s1 instances): $BIN staffing evaluate $I/[3-9]*s1* --hours-share $CURVE"
sed -n '/^| staffing/,$p' "$OUT/test.txt"
echo
echo "per base day at the default settings (0.97 x schedule hours): instances where it holds / fewer-or-equal hours / no worse (strict), holds (seed spread)"
python3 - "$OUT/test.jsonl" <<'PY'
import json, sys, re
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1])]
by = defaultdict(list)
for r in rows:
    by[re.match(r"\d+", r["instance"]).group()].append(r)
print("| base day | instances | holds | fewer-or-equal h | no worse | holds (seed spread) | courier-h original -> planned | c2d mean original -> planned | p90 original -> planned | worse on | worse on (seed spread) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for day, rs in sorted(by.items()):
    n = len(rs)
    h = lambda k, s: sum(r[s][k] for r in rs) / n
    def top(key):
        worse = defaultdict(int)
        for r in rs:
            for w in filter(None, r[key].split(",")):
                worse[w] += 1
        return ", ".join("%s %d" % kv for kv in sorted(worse.items(), key=lambda kv: -kv[1])) or "-"
    print("| %s | %d | %d | %d | %d | %d | %.1f -> %.1f | %.2f -> %.2f | %.2f -> %.2f | %s | %s |" % (
        day, n, sum(r["fewer_or_equal_hours"] and r["no_worse"] for r in rs), sum(r["fewer_or_equal_hours"] for r in rs),
        sum(r["no_worse"] for r in rs), sum(r["fewer_or_equal_hours_spread"] and r["no_worse_spread"] for r in rs),
        h("courier_hours", "original"), h("courier_hours", "planned"),
        h("click_to_door_mean", "original"), h("click_to_door_mean", "planned"),
        h("click_to_door_p90", "original"), h("click_to_door_p90", "planned"), top("worse_on"),
        top("worse_on_spread")))
PY

echo
echo "== earlier base days as the calibration's references (pre-declared alternative, not tuned): --reference-days earlier --hours-share 1,0.97"
sed -n '/^| staffing/,$p' "$OUT/earlier.txt"

echo
echo "== the plan before on the same engine (shifts on the hour): --slot-minutes 60 --hours-share 1,0.97"
sed -n '/^| staffing/,$p' "$OUT/before.txt"

echo
echo "== oracle shape on days 3-9 (upper bound: the day's own orders place the hours): --forecast oracle --hours-share 1,0.97,0.9"
sed -n '/^| staffing/,$p' "$OUT/oracle.txt"
echo
echo "== referee: $SHARED/tools/mdrp_check.py on every original and default-settings planned solution"
bad=0 n=0
for d in "${TEST[@]}"; do
  name=$(basename "$d")
  python3 "$SHARED/tools/mdrp_check.py" "$d" "$OUT/test-json/$name/original" >/dev/null || { bad=$((bad + 1)); echo "infeasible: $name original"; }
  python3 "$SHARED/tools/mdrp_check.py" "$OUT/test-json/$name/planned" "$OUT/test-json/$name/planned" >/dev/null \
    || { bad=$((bad + 1)); echo "infeasible: $name planned"; }
  n=$((n + 2))
done
echo "referee: $((n - bad))/$n solutions feasible"
[[ $bad -eq 0 ]]
