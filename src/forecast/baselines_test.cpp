#include "forecast/baselines.h"

#include <gtest/gtest.h>

#include <cmath>

#include "forecast/ets.h"

namespace hotpath::forecast {
namespace {

std::vector<double> Forecast(const Method& m, const std::vector<double>& y, Freq freq, int horizon) {
  std::vector<std::vector<double>> out;
  m.Predict({SeriesHistory{0, y, *ParseTimestamp("2024-01-28"), freq}}, horizon, out);
  return out.at(0);
}

// Daily series 1..21 (three weeks): hand-computed expectations.
std::vector<double> Days() {
  std::vector<double> y;
  for (int i = 1; i <= 21; ++i) y.push_back(i);
  return y;
}

TEST(BaselinesTest, SeasonalNaiveWeekRepeatsLastWeek) {
  // Targets are days 22..30; last week is 15..21, so day 22 -> 15, ..., day 28 -> 21, day 29 -> 15 again.
  EXPECT_EQ(Forecast(SeasonalNaive(7), Days(), Freq::k1d, 9),
            (std::vector<double>{15, 16, 17, 18, 19, 20, 21, 15, 16}));
}

TEST(BaselinesTest, SeasonalNaiveDayAtDailyFrequencyIsTheLastValue) {
  EXPECT_EQ(Forecast(SeasonalNaive(1), Days(), Freq::k1d, 3), (std::vector<double>{21, 21, 21}));
}

TEST(BaselinesTest, MeanOfSameSlotOverWeeks) {
  // Day 22: mean(15, 8, 1) = 8 with three weeks; with two weeks mean(15, 8) = 11.5.
  EXPECT_EQ(Forecast(WeeklySlotMean(3), Days(), Freq::k1d, 2), (std::vector<double>{8, 9}));
  EXPECT_EQ(Forecast(WeeklySlotMean(2), Days(), Freq::k1d, 1), (std::vector<double>{11.5}));
  // Only three weeks exist: the fourth is skipped rather than counted as zero.
  EXPECT_EQ(Forecast(WeeklySlotMean(4), Days(), Freq::k1d, 1), (std::vector<double>{8}));
}

TEST(BaselinesTest, HourlySeasonalNaiveDayUsesSameHourYesterday) {
  std::vector<double> y(48);
  for (size_t t = 0; t < 48; ++t) y[t] = static_cast<double>(t);
  const auto f = Forecast(SeasonalNaive(1), y, Freq::k1h, 26);
  EXPECT_EQ(f[0], 24);   // hour 48 -> 24
  EXPECT_EQ(f[23], 47);  // hour 71 -> 47
  EXPECT_EQ(f[24], 24);  // hour 72: hour 48 is not observed yet, so two days back
}

TEST(BaselinesTest, MissingSeasonalValueFallsBackToOlderSeasonThenLastValue) {
  auto y = Days();
  y[14] = std::numeric_limits<double>::quiet_NaN();  // day 15 missing
  EXPECT_EQ(Forecast(SeasonalNaive(7), y, Freq::k1d, 1)[0], 8);
  EXPECT_EQ(Forecast(WeeklySlotMean(3), y, Freq::k1d, 1)[0], 4.5);  // mean(8, 1)
  std::vector<double> short_y = {3, 4};
  EXPECT_EQ(Forecast(SeasonalNaive(7), short_y, Freq::k1d, 1)[0], 4);
}

TEST(BaselinesTest, MakeMethodKnowsTheNames) {
  for (const char* name : {"snaive_day", "snaive_week", "mean_4w", "mean_2w", "ets", "ets_sqrt", "ets_robust",
                           "ets_sqrt_robust", "xgb", "ens:ets+mean_4w"}) {
    auto m = MakeMethod(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_EQ((*m)->Name(), name);
  }
  EXPECT_FALSE(MakeMethod("mean_0w").ok());
  EXPECT_FALSE(MakeMethod("prophet").ok());
  EXPECT_FALSE(MakeMethod("ens:ets").ok());
  EXPECT_FALSE(MakeMethod("xgb:rounds=abc").ok());
  EXPECT_FALSE(MakeMethod("xgb:colour=red").ok());
  EXPECT_TRUE(MakeMethod("xgb:objective=reg:squarederror;rounds=10;depth=3").ok());
}

TEST(BaselinesTest, EnsembleIsTheMeanOfItsMembers) {
  auto ens = MakeMethod("ens:snaive_week+mean_3w");
  ASSERT_TRUE(ens.ok());
  // Day 22: snaive_week 15, mean_3w 8 -> 11.5.
  EXPECT_EQ(Forecast(**ens, Days(), Freq::k1d, 1), (std::vector<double>{11.5}));
}

TEST(EtsTest, TracksAPureWeeklyPatternExactly) {
  std::vector<double> y;
  for (int t = 0; t < 24 * 7 * 4; ++t) y.push_back(10 + (t % 24) + 5.0 * ((t / 24) % 7 == 6));
  std::vector<double> out(24);
  ASSERT_TRUE(EtsForecast(y, Freq::k1h, EtsParams{}, out));
  for (int h = 0; h < 24; ++h) {
    const int t = static_cast<int>(y.size()) + h;
    EXPECT_NEAR(out[static_cast<size_t>(h)], 10 + (t % 24) + 5.0 * ((t / 24) % 7 == 6), 1e-6) << h;
  }
  EtsParams sqrt_params;
  sqrt_params.transform = 1;
  ASSERT_TRUE(EtsForecast(y, Freq::k1h, sqrt_params, out));
  EXPECT_NEAR(out[0], 10 + static_cast<double>(y.size() % 24), 0.5);
  std::vector<double> too_short(24 * 10, 1.0);
  EXPECT_FALSE(EtsForecast(too_short, Freq::k1h, EtsParams{}, out));
}

TEST(EtsTest, RobustFilterIgnoresAClosureWeek) {
  // Daily counts around 20 with a weekly shape; the shop is closed (zeros) for a week in the middle.
  std::vector<double> y, clean;
  for (int t = 0; t < 7 * 20; ++t) clean.push_back(20 + 6.0 * (t % 7 == 5) - 4.0 * (t % 7 == 1));
  y = clean;
  for (int t = 7 * 17; t < 7 * 18; ++t) y[static_cast<size_t>(t)] = 0;
  EtsParams plain{0.1, 0, 0.2, 0.5, 0, false};
  EtsParams robust = plain;
  robust.robust = true;
  std::vector<double> f_clean(7), f_plain(7), f_robust(7);
  ASSERT_TRUE(EtsForecast(clean, Freq::k1d, plain, f_clean));
  ASSERT_TRUE(EtsForecast(y, Freq::k1d, plain, f_plain));
  ASSERT_TRUE(EtsForecast(y, Freq::k1d, robust, f_robust));
  double err_plain = 0, err_robust = 0;
  for (size_t h = 0; h < 7; ++h) {
    err_plain += std::abs(f_plain[h] - f_clean[h]);
    err_robust += std::abs(f_robust[h] - f_clean[h]);
  }
  EXPECT_LT(err_robust, 0.5);                 // the closure left no trace
  EXPECT_GT(err_plain, 10 * err_robust + 1);  // whereas the plain filter's seasonal profile was bent
}

}  // namespace
}  // namespace hotpath::forecast
