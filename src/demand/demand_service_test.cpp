// DemandService on a real SQLite file with seeded order history: the minimum history, training,
// forecasts with quantiles, the model file across restarts, hourly roll-forward without retraining,
// and staffing with configured and measured rider productivity.
#include "demand/demand_service.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "demand/order_history.h"

namespace hotpath::demand {
namespace {
namespace fs = std::filesystem;

constexpr Millis kDay = 24 * kHourMs;
constexpr Millis kStart = 1'788'220'800'000;  // 2026-09-01T00:00:00Z, a Tuesday

class DemandServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / NewId("hp_demand");
    fs::create_directories(dir_);
    auto db = storage::Database::Open({.path = (dir_ / "t.db").string(), .read_connections = 2, .max_batch = 64});
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Migrate().ok());
    Exec("INSERT INTO users(id,email,name,role,password_hash,created_at) VALUES ('cust','c@t.dev','C','customer','x',0)");
    for (const char* z : {"zon_a", "zon_b"}) {
      Exec(std::string("INSERT INTO zones(id,name,polygon,created_at) VALUES ('") + z + "','" + z + "','[]',0)");
      Exec(std::string("INSERT INTO restaurants(id,name,lat,lon,zone_id,created_at) VALUES ('r_") + z + "','R',0,0,'" +
           z + "',0)");
    }
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }
  void Exec(const std::string& sql, std::vector<storage::SqlValue> params = {}) {
    auto r = db_->Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      HP_TRY(c.Exec(sql, params));
      return Ok{};
    });
    ASSERT_TRUE(r.ok()) << r.error().message << " in " << sql;
  }
  static Status InsertOrder(storage::Connection& c, const std::string& id, const std::string& zone, Millis at,
                            const std::string& status) {
    HP_TRY(c.Exec("INSERT INTO orders(id,customer_id,restaurant_id,zone_id,status,version,subtotal,delivery_fee,"
                  "small_order_fee,total,currency,delivery_lat,delivery_lon,delivery_address,eta_minutes,"
                  "idempotency_key,request_hash,created_at,updated_at) VALUES "
                  "(?,'cust',?,?,?,1,1000,199,0,1199,'USD',0,0,'a',30,?,'h',?,?)",
                  {id, "r_" + zone, zone, status, id, at, at}));
    return OkStatus();
  }
  // One order placed in `zone` at `at`; returns its id.
  std::string Order(const std::string& zone, Millis at, const std::string& status = "placed") {
    std::string id = NewId("ord");
    auto r = db_->Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      HP_TRY(InsertOrder(c, id, zone, at, status));
      return Ok{};
    });
    EXPECT_TRUE(r.ok());
    return id;
  }
  // Lunch and dinner peaks in zone a, a flatter zone b; fixed seed; one transaction.
  void SeedHistory(Millis from, Millis to) {
    std::mt19937 rng(7);
    std::vector<std::pair<std::string, Millis>> orders{{"zon_a", from}};  // the history starts at `from`
    for (Millis hour = from; hour < to; hour += kHourMs) {
      const int h = static_cast<int>((hour / kHourMs) % 24);
      const double peak = std::exp(-std::pow(h - 12, 2) / 4.0) + std::exp(-std::pow(h - 19, 2) / 4.0);
      for (const auto& [zone, rate] : {std::pair{"zon_a", 0.3 + 8 * peak}, std::pair{"zon_b", 0.2 + 2 * peak}}) {
        std::poisson_distribution<int> count(rate);
        for (int n = count(rng), i = 0; i < n; ++i) orders.emplace_back(zone, hour + (i * 7 % 60) * 60'000);
      }
    }
    auto r = db_->Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      for (const auto& [zone, at] : orders) HP_TRY(InsertOrder(c, NewId("ord"), zone, at, "placed"));
      return Ok{};
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  DemandSettings Settings() {
    DemandSettings s;
    s.model_path = (dir_ / "forecast" / "orders.model").string();
    s.horizon_hours = 48;
    s.min_history_days = 14;
    return s;
  }

  fs::path dir_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{kStart};
  Logger log_{LogLevel::kError};
};

TEST_F(DemandServiceTest, NeedsTheMinimumHistoryAndSaysSo) {
  DemandService demand(*db_, clock_, log_, Settings());
  ASSERT_TRUE(demand.Open().ok());
  auto none = demand.Retrain();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kConflict);
  SeedHistory(kStart, kStart + 10 * kDay);
  clock_.Set(kStart + 10 * kDay + 5 * 60'000);
  auto short_history = demand.Retrain();
  ASSERT_FALSE(short_history.ok());
  EXPECT_EQ(short_history.error().code, ErrorCode::kConflict);
  EXPECT_NE(short_history.error().message.find("10.0 days"), std::string::npos) << short_history.error().message;
  auto fc = demand.Forecast("zon_a", clock_.NowMillis(), clock_.NowMillis() + kDay);
  ASSERT_FALSE(fc.ok());
  EXPECT_EQ(fc.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(demand.CurrentHourForecast("zon_a").has_value());
  EXPECT_FALSE(fs::exists(Settings().model_path));
}

TEST_F(DemandServiceTest, TrainsForecastsWithQuantilesAndSurvivesARestart) {
  SeedHistory(kStart, kStart + 21 * kDay);
  const Millis now = kStart + 21 * kDay + 10 * 60'000;  // 00:10, the 22nd day
  clock_.Set(now);
  DemandService demand(*db_, clock_, log_, Settings());
  ASSERT_TRUE(demand.Open().ok());
  auto trained = demand.Retrain();
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  EXPECT_EQ(trained->model.zones, (std::vector<std::string>{"zon_a", "zon_b"}));
  EXPECT_EQ(trained->history_hours, 21 * 24);
  EXPECT_EQ(trained->model.last_observed, now - 10 * 60'000 - kHourMs);  // the last complete hour
  EXPECT_GT(trained->model.calibration_residuals, 0u);
  EXPECT_TRUE(fs::exists(Settings().model_path));

  auto fc = demand.Forecast("zon_a", now, now + 23 * kHourMs);
  ASSERT_TRUE(fc.ok()) << fc.error().message;
  ASSERT_EQ(fc->points.size(), 24u);
  for (const auto& f : fc->points) {
    EXPECT_LE(f.q10, f.q50);
    EXPECT_LE(f.q50, f.q90);
    EXPECT_GE(f.q10, 0);
  }
  EXPECT_GT(fc->points[12].q50, 3 * fc->points[4].q50 + 1) << "the lunch peak is learnt";
  EXPECT_LT(fc->points[12].q10, fc->points[12].q90);
  auto quiet = demand.Forecast("zon_b", now + 12 * kHourMs, now + 12 * kHourMs);
  ASSERT_TRUE(quiet.ok());
  EXPECT_LT(quiet->points[0].q50, fc->points[12].q50);

  EXPECT_EQ(demand.Forecast("zon_c", now, now).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(demand.Forecast("zon_a", now + 60 * kHourMs, now + 70 * kHourMs).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(demand.CurrentHourForecast("zon_a").has_value());
  EXPECT_FALSE(demand.CurrentHourForecast("zon_c").has_value());

  // Another process (or a restart) loads the same model and forecasts the same numbers (the file
  // keeps 10 significant digits).
  DemandService again(*db_, clock_, log_, Settings());
  ASSERT_TRUE(again.Open().ok());
  auto same = again.Forecast("zon_a", now, now + 23 * kHourMs);
  ASSERT_TRUE(same.ok());
  for (std::size_t i = 0; i < 24; ++i) {
    EXPECT_NEAR(same->points[i].q50, fc->points[i].q50, 1e-6 * (1 + fc->points[i].q50));
    EXPECT_NEAR(same->points[i].q90, fc->points[i].q90, 1e-6 * (1 + fc->points[i].q90));
  }
}

TEST_F(DemandServiceTest, RollsForwardHourlyWithoutRetraining) {
  SeedHistory(kStart, kStart + 15 * kDay);
  const Millis now = kStart + 15 * kDay + 60'000;
  clock_.Set(now);
  DemandService demand(*db_, clock_, log_, Settings());
  ASSERT_TRUE(demand.Open().ok());
  ASSERT_TRUE(demand.Retrain().ok());
  const auto before = demand.Forecast("zon_b", now + 4 * kHourMs, now + 4 * kHourMs);
  ASSERT_TRUE(before.ok());
  const Millis trained_at = demand.Info()->trained_at;
  // Three quiet hours pass, then a sudden rush in zone b.
  for (int i = 0; i < 40; ++i) Order("zon_b", now + 3 * kHourMs - 30 * 60'000 + i * 1000);
  clock_.Set(now + 3 * kHourMs + 60'000);
  auto info = demand.Info();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->last_observed, now - 60'000 + 2 * kHourMs);
  EXPECT_EQ(info->trained_at, trained_at) << "observed, not retrained";
  auto after = demand.Forecast("zon_b", now + 4 * kHourMs, now + 4 * kHourMs);
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->points[0].point, before->points[0].point) << "the rush moves the next hours' forecast";
  // An hour before the new last observation is no longer forecastable.
  EXPECT_EQ(demand.Forecast("zon_b", now, now + kHourMs).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(DemandServiceTest, StaffingUsesMeasuredProductivityWhenThereIsEnough) {
  SeedHistory(kStart, kStart + 15 * kDay);
  const Millis now = kStart + 15 * kDay + 8 * kHourMs;  // 08:00
  clock_.Set(now);
  auto settings = Settings();
  settings.min_measured_deliveries = 30;
  settings.orders_per_courier_hour = 2.5;
  DemandService demand(*db_, clock_, log_, settings);
  ASSERT_TRUE(demand.Open().ok());
  ASSERT_TRUE(demand.Retrain().ok());
  const Millis tomorrow = kStart + 16 * kDay;

  auto configured = demand.Staffing("zon_a", tomorrow);
  ASSERT_TRUE(configured.ok()) << configured.error().message;
  EXPECT_FALSE(configured->productivity.measured);
  EXPECT_DOUBLE_EQ(configured->productivity.orders_per_courier_hour, 2.5);
  ASSERT_EQ(configured->need.size(), 24u);
  EXPECT_TRUE(forecast::PlanCovers(configured->plan, configured->need));
  long needed = 0;
  for (const auto& n : configured->need) needed += n.couriers;
  EXPECT_GE(configured->plan.courier_hours, needed);
  EXPECT_GT(configured->need[12].couriers, configured->need[4].couriers);

  // 40 deliveries in zone a, each 15 minutes from assignment to door: 4 orders per courier-hour.
  for (int i = 0; i < 40; ++i) {
    const Millis assigned = now - 5 * kDay + i * kHourMs;
    std::string id = Order("zon_a", assigned - 10 * 60'000, "delivered");
    Exec("INSERT INTO outbox(id,topic,key,type,payload,created_at) VALUES (?,'orders',?,'order.rider_assigned','{}',?)",
         {NewId("evt"), id, assigned});
    Exec("INSERT INTO order_history(order_id,seq,status,actor,at) VALUES (?,1,'delivered','rider:r',?)",
         {id, assigned + 15 * 60'000});
  }
  auto measured = demand.Staffing("zon_a", tomorrow);
  ASSERT_TRUE(measured.ok());
  EXPECT_TRUE(measured->productivity.measured);
  EXPECT_EQ(measured->productivity.deliveries, 40);
  EXPECT_NEAR(measured->productivity.orders_per_courier_hour, 4.0, 1e-9);
  EXPECT_LE(measured->plan.courier_hours, configured->plan.courier_hours);
  // Zone b has too few deliveries of its own: the configured figure.
  auto b = demand.Staffing("zon_b", tomorrow);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->productivity.measured);

  // Today: only the hours still ahead. Yesterday and next week: 400.
  auto today = demand.Staffing("zon_a", kStart + 15 * kDay);
  ASSERT_TRUE(today.ok());
  EXPECT_EQ(today->need.size(), 16u);  // 08:00 .. 23:00
  EXPECT_EQ(demand.Staffing("zon_a", kStart + 14 * kDay).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(demand.Staffing("zon_a", kStart + 22 * kDay).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(demand.Staffing("zon_c", tomorrow).error().code, ErrorCode::kNotFound);
}

TEST_F(DemandServiceTest, AnotherProcessServesTheModelThePrimaryRetrains) {
  SeedHistory(kStart, kStart + 15 * kDay);
  clock_.Set(kStart + 15 * kDay + 60'000);
  DemandService primary(*db_, clock_, log_, Settings());
  DemandService api(*db_, clock_, log_, Settings());  // an api process of a cluster: never trains
  ASSERT_TRUE(primary.Open().ok());
  ASSERT_TRUE(api.Open().ok());
  EXPECT_FALSE(api.Info().has_value());
  ASSERT_TRUE(primary.Retrain().ok());
  auto first = api.Info();
  ASSERT_TRUE(first.has_value()) << "the api process picks up the new file";
  EXPECT_EQ(first->zones, (std::vector<std::string>{"zon_a", "zon_b"}));
  // A day later zone c has orders and the primary retrains: the api process follows.
  ASSERT_TRUE(db_->Write<Ok>([](storage::Connection& c) -> Result<Ok> {
                  HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES ('zon_c','c','[]',0)"));
                  HP_TRY(c.Exec("INSERT INTO restaurants(id,name,lat,lon,zone_id,created_at) VALUES "
                                "('r_zon_c','R',0,0,'zon_c',0)"));
                  return Ok{};
                }).ok());
  for (int i = 0; i < 10; ++i) Order("zon_c", kStart + 15 * kDay + i * kHourMs);
  clock_.Set(kStart + 16 * kDay + 60'000);
  ASSERT_TRUE(primary.Retrain().ok());
  auto second = api.Info();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->zones.size(), 3u);
  EXPECT_TRUE(api.Forecast("zon_c", clock_.NowMillis(), clock_.NowMillis() + kHourMs).ok());
}

TEST_F(DemandServiceTest, AnUnknownMethodIsAConfigError) {
  auto s = Settings();
  s.method = "crystal_ball";
  DemandService demand(*db_, clock_, log_, s);
  auto st = demand.Open();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("forecast_method"), std::string::npos);
}

}  // namespace
}  // namespace hotpath::demand
