#pragma once
// The forecaster inside the platform: hourly orders per zone from the orders table -> a trained
// forecast::Model kept in `<data_dir>/forecast/orders.model` (written atomically; loaded at start,
// reloaded when another process rewrites it), rolled forward hour by hour without retraining
// (Model::Observe of the hours completed since), forecasts with 10/50/90% quantiles, a zone's
// courier staffing plan for a day, and a retraining loop on a schedule (run by the primary only).
// Thread-safe: one Model guarded by a mutex (its predictor is not documented as thread-safe).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"
#include "forecast/model.h"
#include "forecast/staffing.h"
#include "storage/database.h"

namespace hotpath::demand {

struct DemandSettings {
  std::string model_path;                      // "<data_dir>/forecast/orders.model"
  std::string method = "ets_sqrt_robust";      // any `hotpath forecast` model name
  int horizon_hours = 48;                      // covers all of tomorrow from any hour of today
  int min_history_days = 14;                   // less history: no training (409)
  int history_days = 56;                       // training window (the model keeps 8 weeks)
  std::chrono::seconds retrain_interval{24 * 3600};
  // Staffing
  double orders_per_courier_hour = 2.5;  // when fewer than min_measured_deliveries were measured
  int min_measured_deliveries = 50;
  int productivity_window_days = 28;
  double utilisation = 0.8;
  double service_level = 0.9;
  int min_couriers = 0;
  std::vector<int> shift_starts;  // hours of day a shift may start; empty: every hour
  std::vector<int> shift_lengths{4, 6, 8};
};

struct ModelInfo {
  std::string method;
  Millis trained_at = 0;     // the model file's time
  Millis last_observed = 0;  // start of the last hour the model has seen
  int horizon_hours = 0;
  std::vector<std::string> zones;
  std::size_t calibration_residuals = 0;  // 0: intervals collapse to the point (too little history)
};

struct RetrainResult {
  ModelInfo model;
  Millis history_from = 0;
  int history_hours = 0;
  std::int64_t orders = 0;
  double seconds = 0;
};

struct ZoneForecast {
  ModelInfo model;
  std::vector<forecast::QuantileForecast> points;
};

struct Productivity {
  double orders_per_courier_hour = 0;
  bool measured = false;  // false: the configured figure (too few measured deliveries)
  std::int64_t deliveries = 0;
  double busy_hours = 0;
};

struct StaffingPlan {
  std::string zone_id;
  Millis date = 0;  // 00:00 UTC of the day
  Productivity productivity;
  forecast::StaffingParams params;
  std::vector<forecast::HourNeed> need;  // the hours of the day still ahead, within the horizon
  forecast::ShiftPlan plan;
};

class DemandService {
 public:
  DemandService(storage::Database& db, const Clock& clock, const Logger& log, DemandSettings settings);
  ~DemandService();
  DemandService(const DemandService&) = delete;
  DemandService& operator=(const DemandService&) = delete;

  // Checks the settings (the method name); loads the model file if there is one.
  Status Open();
  // Trains on the order history (kConflict when it covers less than min_history_days), saves
  // atomically and serves the new model. One training at a time.
  Result<RetrainResult> Retrain();
  // Hourly forecasts of [from, to] (clamped to the forecastable hours). kConflict: no model yet;
  // kNotFound: the zone is not in the model; kInvalidArgument: the range is outside the horizon.
  Result<ZoneForecast> Forecast(const std::string& zone_id, Millis from, Millis to);
  // Median forecast of the hour containing now; nullopt without a model or for an unknown zone.
  std::optional<double> CurrentHourForecast(const std::string& zone_id);
  // Couriers per hour and the minimum courier-hours shift plan for the zone's day (00:00 UTC).
  Result<StaffingPlan> Staffing(const std::string& zone_id, Millis date);
  std::optional<ModelInfo> Info();

  // Retrains when the model is missing or older than retrain_interval, else rolls it forward each
  // hour. Call once; Stop() (or the destructor) ends it.
  void StartRetrainLoop();
  void Stop();

 private:
  Status ReloadIfChangedLocked();
  void RollForwardLocked(Millis now);
  ModelInfo InfoLocked() const;
  Result<Productivity> MeasureProductivity(const std::string& zone_id, Millis now);
  void Loop();

  storage::Database& db_;
  const Clock& clock_;
  const Logger& log_;
  const DemandSettings settings_;

  std::mutex train_mu_;  // one Retrain at a time (held while training, not while serving)
  std::mutex mu_;
  std::optional<forecast::Model> model_;  // guarded by mu_
  Millis model_file_time_ = 0;            // guarded by mu_: mtime of the file model_ came from
  Millis rolled_at_hour_ = 0;             // guarded by mu_: last hour RollForwardLocked looked at

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;  // guarded by loop_mu_
  std::thread loop_;
};

}  // namespace hotpath::demand
