#include "forecast/calibrator.h"

#include <gtest/gtest.h>

#include <random>

namespace hotpath::forecast {
namespace {

TEST(CalibratorTest, NoResidualsGivesThePoint) {
  ResidualCalibrator c(3);
  const Quantiles q = c.Predict(7.5);
  EXPECT_EQ(q.q10, 7.5);
  EXPECT_EQ(q.q90, 7.5);
}

TEST(CalibratorTest, PoissonOutcomesAreCoveredAboutEightyPercent) {
  std::mt19937 rng(3);
  ResidualCalibrator c(10);
  std::uniform_real_distribution<double> mean(0.5, 60);
  for (int b = 0; b < 10; ++b) {
    std::vector<std::pair<double, double>> batch;
    for (int i = 0; i < 500; ++i) {
      const double m = mean(rng);
      batch.emplace_back(m, std::poisson_distribution<int>(m)(rng));
    }
    c.AddBatch(batch);
  }
  int covered = 0, n = 0;
  for (int i = 0; i < 4000; ++i) {
    const double m = mean(rng);
    const double y = std::poisson_distribution<int>(m)(rng);
    const Quantiles q = c.Predict(m);
    ASSERT_LE(q.q10, q.q50);
    ASSERT_LE(q.q50, q.q90);
    ASSERT_GE(q.q10, 0);
    covered += (y >= q.q10 && y <= q.q90);
    ++n;
  }
  const double coverage = static_cast<double>(covered) / n;
  EXPECT_GT(coverage, 0.75);
  EXPECT_LT(coverage, 0.87);
  // Wider intervals for larger forecasts.
  EXPECT_GT(c.Predict(50).q90 - c.Predict(50).q10, c.Predict(2).q90 - c.Predict(2).q10);
}

TEST(CalibratorTest, WindowDropsOldBatchesAndSaveLoadRoundTrips) {
  ResidualCalibrator c(2);
  c.AddBatch({{10, 30}});
  c.AddBatch({{10, 11}, {10, 9}});
  c.AddBatch({{10, 12}});
  EXPECT_EQ(c.size(), 3u);
  ResidualCalibrator d;
  ASSERT_TRUE(d.Load(c.Save()).ok());
  EXPECT_EQ(d.size(), 3u);
  EXPECT_DOUBLE_EQ(d.Predict(10).q90, c.Predict(10).q90);
  EXPECT_LT(c.Predict(10).q90, 13);  // the outlier batch (30) fell out of the window
  EXPECT_FALSE(d.Load("garbage").ok());
}

}  // namespace
}  // namespace hotpath::forecast
