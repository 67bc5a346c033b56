#pragma once
// Exponential smoothing with daily and weekly seasonality (Taylor's double-seasonal Holt-Winters,
// additive, with an AR(1) adjustment of the last one-step error). Parameters are shared by all series
// and chosen by grid search on the multi-step WAPE of the training period's last weeks.
#include <span>

#include "forecast/method.h"

namespace hotpath::forecast {

struct EtsParams {
  double alpha = 0.05;  // level
  double delta = 0.05;  // daily seasonal (unused at daily frequency)
  double omega = 0.1;   // weekly seasonal
  double phi = 0.5;     // AR(1) on the one-step error
  int transform = 0;    // 0: counts as they are; 1: square root (seasonality becomes multiplicative-like)
  bool robust = false;  // clip outlying one-step errors and skip closures (zeros where demand is expected)
};

// Forecasts `out.size()` slots after the end of y; false when y has under two weeks of data.
bool EtsForecast(std::span<const double> y, Freq freq, const EtsParams& params, std::span<double> out);

// Forecasts from several cutoffs of one series in a single filter pass: out[i] gets `horizon` values
// after cutoffs[i] (ascending indices into y). Entries stay empty when y is too short.
std::vector<std::vector<double>> EtsForecastsAt(std::span<const double> y, Freq freq, const EtsParams& params,
                                                const std::vector<long>& cutoffs, int horizon);

class DoubleSeasonalEts final : public Method {
 public:
  DoubleSeasonalEts() = default;
  explicit DoubleSeasonalEts(const EtsParams& params) : params_(params) {}
  std::string Name() const override {
    return std::string(params_.transform == 1 ? "ets_sqrt" : "ets") + (params_.robust ? "_robust" : "");
  }
  Status Fit(const std::vector<SeriesHistory>& histories, int horizon) override;
  void Predict(const std::vector<SeriesHistory>& histories, int horizon,
               std::vector<std::vector<double>>& out) const override;
  std::string SaveState() const override;
  Status LoadState(const std::string& state) override;
  const EtsParams& params() const { return params_; }

 private:
  EtsParams params_;
};

}  // namespace hotpath::forecast
