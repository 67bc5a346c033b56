#!/usr/bin/env bash
# Forecast benchmark (for `make bench`, not the unit tests): the full May day-ahead backtest on the NYC
# taxi panel, the London takeaway evaluations, training time and per-zone prediction latency from a
# loaded model. Prints the accuracy tables, the referee's independent scores and the timings.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${HOTPATH_SHARED_DIR:-$(cd "$ROOT/../shared" && pwd)}
BUILD=${BUILD_DIR:-$ROOT/build-forecast}
OUT=${OUT_DIR:-$BUILD/bench-forecast}
BIN=$BUILD/bin/hotpath-forecast
BASE=snaive_day,snaive_week,mean_4w,ets,ets_sqrt_robust
NYC_MODELS=${NYC_MODELS:-$BASE,xgb,xgb:holidays=us,ens:ets_sqrt_robust+xgb:holidays=us}
LONDON_MODELS=${LONDON_MODELS:-$BASE,xgb:holidays=uk}

if [[ ! -x $BIN ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" --target hotpath-forecast -j2
fi
mkdir -p "$OUT"
DATA=$SHARED/data/demand
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
referee() {  # PANEL CV: the referee's WAPE per point-forecast column
  python3 "$SHARED/tools/forecast_score.py" "$1" "$2" | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = {k: v for k, v in d["wape"].items() if not k.endswith(("-lo-80", "-hi-80"))}
print("  referee: rows_scored=%d rejected=%d  WAPE %s" % (d["rows_scored"], d["rows_rejected"],
      ", ".join("%s %.2f%%" % (k, 100 * v) for k, v in w.items())))'
}

echo "== prepare panels"
"$BIN" forecast prepare --nyc "$DATA/nyc_zone_hourly_taxi_2017" --out "$OUT/nyc.csv"
"$BIN" forecast prepare --london "$DATA/london_takeaway_orders/restaurant-1-orders.csv" --freq 1d --out "$OUT/london_daily.csv"
"$BIN" forecast prepare --london "$DATA/london_takeaway_orders/restaurant-1-orders.csv" --freq 1h --out "$OUT/london_hourly.csv"

echo
echo "== NYC day-ahead, May 2017 (cutoffs 23:00 each day, horizon 24; refs: snaive_week 15.97%, mean_4w 14.37%)"
t0=$(now)
"$BIN" forecast backtest --data "$OUT/nyc.csv" --freq 1h --horizon 24 --step 24 --test-from 2017-05-01 \
  --test-to 2017-05-31 --models "$NYC_MODELS" --out "$OUT/nyc_may_cv.csv" --plot "$OUT/nyc_may.svg" --zones 12,40 --quiet
echo "  wall time $(elapsed "$t0") s"
referee "$OUT/nyc.csv" "$OUT/nyc_may_cv.csv"

echo
echo "== May backtest wall time, one model at a time (the issue's target: under 2 minutes)"
for m in mean_4w ets_sqrt_robust xgb:holidays=us; do
  t0=$(now)
  "$BIN" forecast backtest --data "$OUT/nyc.csv" --freq 1h --horizon 24 --step 24 --test-from 2017-05-01 \
    --test-to 2017-05-31 --models "$m" --quiet | sed -n 2p
  echo "  $m: wall time $(elapsed "$t0") s"
done

echo
echo "== London daily orders, 7 days ahead, Feb-Jul 2019 (ref: mean_4w about 24.6%)"
t0=$(now)
"$BIN" forecast backtest --data "$OUT/london_daily.csv" --freq 1d --horizon 7 --step 7 --test-from 2019-02-01 \
  --test-to 2019-07-31 --models "$LONDON_MODELS" --out "$OUT/london_daily_cv.csv" --quiet
echo "  wall time $(elapsed "$t0") s"
referee "$OUT/london_daily.csv" "$OUT/london_daily_cv.csv"

echo
echo "== London hourly 17:00-23:00 slots, a day ahead, Feb-Jul 2019 (ref: mean_4w about 54.6%)"
t0=$(now)
"$BIN" forecast backtest --data "$OUT/london_hourly.csv" --freq 1h --horizon 24 --step 24 --test-from 2019-02-01 \
  --test-to 2019-07-31 --hours 17-23 --models "$LONDON_MODELS" --out "$OUT/london_hourly_cv.csv" --quiet
echo "  wall time $(elapsed "$t0") s"
referee "$OUT/london_hourly.csv" "$OUT/london_hourly_cv.csv"

echo
echo "== train on the whole taxi panel (73 zones x 3,624 hours) and predict the next day per zone"
t0=$(now)
"$BIN" forecast train --data "$OUT/nyc.csv" --model "ens:ets_sqrt_robust+xgb:holidays=us" --horizon 24 --out "$OUT/nyc.model"
echo "  train wall time $(elapsed "$t0") s"
"$BIN" forecast predict --model-file "$OUT/nyc.model" --out "$OUT/nyc_next_day.csv" --timing
"$BIN" forecast predict --model-file "$OUT/nyc.model" --zone 12 --out /dev/null --timing
"$BIN" staffing plan --model-file "$OUT/nyc.model" --zone 12 --date 2017-06-01 --shift-starts 0-23 \
  --shift-lengths 4,6,8 | tail -n 1
