#pragma once
// Prediction intervals from out-of-sample residuals (split-conformal style). Residuals of forecasts
// whose actuals are known are kept for the last `window` batches (cutoffs); they are normalised by
// sqrt(forecast + 1) and grouped into bins of forecast size, so a busy hour and a quiet hour get
// intervals of their own width. Quantiles are empirical, so they adapt to skewed count errors.
#include <deque>
#include <string>
#include <vector>

#include "forecast/result.h"

namespace hotpath::forecast {

struct Quantiles {
  double q10 = 0, q50 = 0, q90 = 0;
};

class ResidualCalibrator {
 public:
  explicit ResidualCalibrator(size_t window_batches = 14) : window_(window_batches) {}

  // Adds one batch (e.g. all series of one cutoff) of (forecast, actual) pairs; drops the oldest batch
  // beyond the window.
  void AddBatch(const std::vector<std::pair<double, double>>& forecast_actual);
  // Quantiles of the outcome given a point forecast; the point itself when there are no residuals.
  Quantiles Predict(double forecast) const;
  size_t size() const { return total_; }

  std::string Save() const;
  Status Load(const std::string& text);

 private:
  void Rebuild();
  struct Bin {
    double upper = 0;               // largest forecast in the bin
    std::vector<double> residuals;  // sorted, normalised
  };
  size_t window_;
  size_t total_ = 0;
  std::deque<std::vector<std::pair<double, double>>> batches_;
  std::vector<Bin> bins_;
};

}  // namespace hotpath::forecast
