#include "forecast/backtest.h"

#include <gtest/gtest.h>

#include <cmath>

#include "forecast/convert.h"
#include "forecast/test_util.h"

namespace hotpath::forecast {
namespace {

BacktestOptions Options(const Panel& p, size_t test_day, std::vector<std::string> models) {
  BacktestOptions o;
  o.horizon = 24;
  o.step = 24;
  o.test_from = p.TimeAt(test_day * 24);
  o.models = std::move(models);
  return o;
}

// The forecast (and interval) at cutoff c must not change when every value after c changes.
TEST(BacktestTest, NoLeakageForecastsIgnoreDataAfterTheCutoff) {
  const Panel original = testing::SyntheticHourly(3, 42, 3.0);
  const auto opt = Options(original, 35, {"snaive_day", "snaive_week", "mean_4w", "ets_sqrt_robust", "xgb:rounds=50"});
  auto base = RunBacktest(original, opt, {});
  ASSERT_TRUE(base.ok()) << base.error().message;
  ASSERT_EQ(base->cutoffs, 7u);
  const size_t cut = base->rows.front().cutoff + 2 * 24;  // the third test cutoff
  Panel perturbed = original;
  for (auto& v : perturbed.values) {
    for (size_t t = cut + 1; t < v.size(); ++t) v[t] = v[t] * 5 + 100;
  }
  auto changed = RunBacktest(perturbed, opt, {});
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->rows.size(), base->rows.size());
  size_t compared = 0, differing_later = 0;
  for (size_t i = 0; i < base->rows.size(); ++i) {
    const auto& a = base->rows[i];
    const auto& b = changed->rows[i];
    ASSERT_EQ(a.cutoff, b.cutoff);
    if (a.cutoff <= cut) {
      EXPECT_EQ(a.point, b.point) << "row " << i;
      EXPECT_EQ(a.q10, b.q10) << "row " << i;
      EXPECT_EQ(a.q90, b.q90) << "row " << i;
      ++compared;
    } else if (a.point != b.point) {
      ++differing_later;
    }
  }
  EXPECT_EQ(compared, 3u * 3 * 24);
  EXPECT_GT(differing_later, 0u);  // the perturbation is visible once it is in the past
}

TEST(BacktestTest, Mean4wMatchesAnIndependentComputation) {
  const Panel p = testing::SyntheticHourly(2, 49, 5.0);
  auto r = RunBacktest(p, Options(p, 42, {"mean_4w", "snaive_week"}), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  double err4 = 0, errw = 0, absy = 0;
  for (const auto& row : r->rows) {
    double sum = 0;
    for (int k = 1; k <= 4; ++k) sum += p.values[row.series][row.slot - static_cast<size_t>(k) * 168];
    err4 += std::abs(row.y - sum / 4);
    errw += std::abs(row.y - p.values[row.series][row.slot - 168]);
    absy += row.y;
    EXPECT_EQ(row.y, p.values[row.series][row.slot]);
    EXPECT_GT(row.slot, row.cutoff);
    EXPECT_LE(row.slot, row.cutoff + 24);
  }
  EXPECT_EQ(r->rows.size(), 2u * 7 * 24);
  EXPECT_NEAR(r->scores[0].wape, err4 / absy, 1e-12);
  EXPECT_NEAR(r->scores[1].wape, errw / absy, 1e-12);
}

TEST(BacktestTest, HoursFilterAndTestToLimitTheRows) {
  const Panel p = testing::SyntheticHourly(1, 42, 2.0);
  auto opt = Options(p, 35, {"mean_4w"});
  opt.hours = {17, 18, 19};
  opt.test_to = p.TimeAt(38 * 24 - 1);  // three full days
  auto r = RunBacktest(p, opt, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rows.size(), 3u * 3);
  for (const auto& row : r->rows) EXPECT_GE(HourOfDay(p.TimeAt(row.slot)), 17);
}

TEST(BacktestTest, IntervalsAreOrderedAndRoughlyCalibrated) {
  const Panel p = testing::SyntheticHourly(6, 70, 4.0);
  auto r = RunBacktest(p, Options(p, 49, {"mean_4w", "ets"}), {});
  ASSERT_TRUE(r.ok());
  for (const auto& row : r->rows) {
    for (size_t m = 0; m < 2; ++m) {
      EXPECT_LE(row.q10[m], row.q90[m]);
      EXPECT_GE(row.q10[m], 0);
    }
  }
  for (const auto& s : r->scores) {
    EXPECT_GT(s.coverage, 0.72) << s.model;
    EXPECT_LT(s.coverage, 0.88) << s.model;
  }
}

TEST(BacktestTest, RejectsBadOptions) {
  const Panel p = testing::SyntheticHourly(1, 20, 2.0);
  auto opt = Options(p, 10, {"mean_4w"});
  opt.test_from = p.start;
  EXPECT_FALSE(RunBacktest(p, opt, {}).ok());
  opt = Options(p, 10, {"nope"});
  EXPECT_FALSE(RunBacktest(p, opt, {}).ok());
  opt = Options(p, 10, {"mean_4w"});
  opt.horizon = 24 * 30;
  EXPECT_FALSE(RunBacktest(p, opt, {}).ok());
}

// A slice of the real taxi panel: the 4-week mean reproduces the referee's reference numbers' method
// and ETS beats it on the first May week for these zones.
TEST(BacktestTest, RealTaxiSliceEtsBeatsBaselines) {
  auto full = ConvertNycZones(testing::SharedDir() + "/data/demand/nyc_zone_hourly_taxi_2017");
  ASSERT_TRUE(full.ok()) << full.error().message;
  Panel p = *full;
  p.ids.resize(10);
  p.values.resize(10);
  BacktestOptions opt;
  opt.test_from = *ParseTimestamp("2017-05-01");
  opt.test_to = *ParseTimestamp("2017-05-07 23:00");
  opt.models = {"snaive_week", "mean_4w", "ets"};
  auto r = RunBacktest(p, opt, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->cutoffs, 7u);
  EXPECT_LT(r->scores[2].wape, r->scores[1].wape);
  EXPECT_LT(r->scores[2].mase, r->scores[0].mase);
}

}  // namespace
}  // namespace hotpath::forecast

namespace hotpath::forecast {
namespace {

// Sub-hourly panels: a 30-minute grid has 48 slots a day and 336 a week.
TEST(BacktestTest, ThirtyMinuteFrequencyWorksEndToEnd) {
  Panel hourly = testing::SyntheticHourly(2, 35, 4.0);
  Panel p = hourly;
  p.freq = Freq::k30min;
  p.length = hourly.length * 2;
  for (auto& v : p.values) {
    std::vector<double> half;
    for (double x : v) half.insert(half.end(), {std::floor(x / 2), x - std::floor(x / 2)});
    v = half;
  }
  BacktestOptions opt;
  opt.horizon = 48;
  opt.step = 48;
  opt.test_from = p.TimeAt(28 * 48);
  opt.models = {"snaive_day", "mean_4w", "ets_sqrt_robust", "xgb:rounds=50"};
  auto r = RunBacktest(p, opt, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->cutoffs, 7u);
  EXPECT_EQ(r->rows.size(), 2u * 7 * 48);
  // Same half-hour one week earlier is exactly 336 slots back.
  const auto& row = r->rows.front();
  std::vector<std::vector<double>> out;
  MakeMethod("snaive_week").value()->Predict(HistoriesAt(p, row.cutoff), 1, out);
  EXPECT_EQ(out[row.series][0], p.values[row.series][row.slot - 336]);
  EXPECT_LT(r->scores[2].wape, r->scores[0].wape);  // ETS beats yesterday's value on this seasonal panel
}

}  // namespace
}  // namespace hotpath::forecast
