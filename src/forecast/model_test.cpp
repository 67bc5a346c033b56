#include "forecast/model.h"

#include <gtest/gtest.h>

#include <sstream>

#include "forecast/test_util.h"

namespace hotpath::forecast {
namespace {

TEST(ModelTest, SaveLoadRoundTripGivesIdenticalForecasts) {
  const Panel p = testing::SyntheticHourly(4, 42, 3.0);
  for (const char* method : {"xgb:holidays=us;rounds=50", "ets_sqrt_robust", "mean_4w", "ens:ets_sqrt_robust+xgb:rounds=50"}) {
    ModelOptions opt;
    opt.method = method;
    auto model = Model::Train(p, opt);
    ASSERT_TRUE(model.ok()) << model.error().message;
    EXPECT_GT(model->calibration_residuals(), 300u) << method;
    const std::string path = testing::TempPath(std::string("m_") + method + ".model");
    ASSERT_TRUE(model->Save(path).ok());
    auto loaded = Model::Load(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto a = model->ForecastAll();
    const auto b = loaded->ForecastAll();
    ASSERT_EQ(a.size(), 4u * 24);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].unique_id, b[i].unique_id);
      EXPECT_EQ(a[i].ds, b[i].ds);
      EXPECT_NEAR(a[i].point, b[i].point, 1e-4) << method;
      EXPECT_NEAR(a[i].q10, b[i].q10, 1e-4);
      EXPECT_NEAR(a[i].q90, b[i].q90, 1e-4);
      EXPECT_LE(a[i].q10, a[i].q50);
      EXPECT_LE(a[i].q50, a[i].q90);
    }
  }
}

TEST(ModelTest, ForecastRangeAndErrors) {
  const Panel p = testing::SyntheticHourly(2, 30, 3.0);
  ModelOptions opt;
  opt.method = "mean_4w";
  auto model = Model::Train(p, opt);
  ASSERT_TRUE(model.ok());
  const Timestamp first = p.TimeAt(p.length - 1) + std::chrono::hours(1);
  auto fc = model->Forecast("z1", first + std::chrono::hours(2), first + std::chrono::hours(5));
  ASSERT_TRUE(fc.ok());
  ASSERT_EQ(fc->size(), 4u);
  EXPECT_EQ(fc->front().ds, first + std::chrono::hours(2));
  EXPECT_EQ(model->Forecast("nope", first, first).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      model->Forecast("z1", first + std::chrono::hours(30), first + std::chrono::hours(31)).error().code,
      ErrorCode::kInvalidArgument);
  std::istringstream junk("not a model");
  EXPECT_FALSE(Model::Read(junk).ok());
}

TEST(ModelTest, ObserveRollsTheForecastForward) {
  const Panel full = testing::SyntheticHourly(2, 40, 3.0);
  Panel head = full;
  head.length = full.length - 24;
  for (auto& v : head.values) v.resize(head.length);
  ModelOptions opt;
  opt.method = "snaive_day";
  auto model = Model::Train(head, opt);
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE(model->Observe(full).ok());
  EXPECT_EQ(model->last_observed(), full.TimeAt(full.length - 1));
  const auto fc = model->ForecastAll();
  EXPECT_EQ(fc[0].point, full.values[0][full.length - 24]);  // yesterday's same hour, from the new data
}

}  // namespace
}  // namespace hotpath::forecast
