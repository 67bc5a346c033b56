#pragma once
// A trained forecaster that survives restarts: one method (xgb, ets or a baseline) with its learned
// parameters, the interval calibration measured out of sample at training time, and the recent
// history it forecasts from. Pure: no clock, no I/O except Save/Load.
//
//   auto model = Model::Train(panel, {.method = "ets_sqrt_robust", .horizon = 24});
//   model->Save("zone.model");  ...  auto loaded = Model::Load("zone.model");
//   auto fc = loaded->Forecast("12", from, to);   // q10/q50/q90 per slot after the last observation
//   loaded->Observe(newer_panel);                  // roll forward without retraining
//
// Thread safety: Forecast/ForecastAll are const but call XGBoost's predictor, which its C API does
// not document as thread-safe; serialise calls on one Model (or give each thread its own copy via
// Load). Observe mutates and needs exclusive access.
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "forecast/calibrator.h"
#include "forecast/method.h"
#include "forecast/panel.h"

namespace hotpath::forecast {

struct ModelOptions {
  std::string method = "ets_sqrt_robust";  // best on the validation periods (docs/forecast.md)
  int horizon = 24;                        // slots after the last observation the model may forecast
  int calibration_cutoffs = 0;             // 0 = two weeks and >= 400 residuals
  int threads = 2;
};

struct QuantileForecast {
  std::string unique_id;
  Timestamp ds{};
  double point = 0;  // the method's point forecast
  double q10 = 0, q50 = 0, q90 = 0;
};

class Model {
 public:
  // Fits on every observation of `history`. Intervals come from a rolling-origin run over the last
  // calibration cutoffs with the method fitted before them; the method is then refitted on all data.
  static Result<Model> Train(const Panel& history, const ModelOptions& options);
  static Result<Model> Load(const std::string& path);
  static Result<Model> Read(std::istream& in);
  Status Save(const std::string& path) const;
  Status Write(std::ostream& out) const;

  // Forecasts for the slots of [from, to] after the last observation and within the horizon.
  // Errors: unknown unique_id, or a range that ends before / starts beyond the forecastable slots.
  Result<std::vector<QuantileForecast>> Forecast(const std::string& unique_id, Timestamp from,
                                                 Timestamp to) const;
  // The whole horizon for every series.
  std::vector<QuantileForecast> ForecastAll() const;
  // Appends observations newer than the last one (same frequency; unknown ids are ignored).
  Status Observe(const Panel& recent);

  const std::string& method() const { return options_.method; }
  Freq freq() const { return freq_; }
  int horizon() const { return options_.horizon; }
  const std::vector<std::string>& ids() const { return ids_; }
  Timestamp last_observed() const { return start_ + FreqStep(freq_) * static_cast<long>(length_ - 1); }
  size_t calibration_residuals() const { return calibrator_.size(); }

 private:
  Model() = default;
  void TrimHistory();
  std::vector<QuantileForecast> ForecastSeries(size_t series) const;

  ModelOptions options_;
  Freq freq_ = Freq::k1h;
  std::vector<std::string> ids_;
  Timestamp start_{};
  size_t length_ = 0;
  std::vector<std::vector<double>> history_;  // [series][slot], the recent tail
  std::shared_ptr<Method> method_;  // shared: Model is copyable, the method is immutable after Train
  ResidualCalibrator calibrator_;
};

}  // namespace hotpath::forecast
