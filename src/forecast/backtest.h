#pragma once
// Rolling-origin evaluation. Every method is fitted on data up to a fit cutoff and asked, at each
// cutoff, for the next `horizon` slots from the history up to that cutoff only. Intervals come from
// a ResidualCalibrator fed with the residuals of earlier cutoffs once their actuals are observed
// (a warm-up of `calibration_cutoffs` cutoffs before the test period seeds it).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "forecast/method.h"
#include "forecast/metrics.h"
#include "forecast/panel.h"
#include "forecast/result.h"

namespace hotpath::forecast {

struct BacktestOptions {
  int horizon = 24;
  int step = 24;
  Timestamp test_from{};             // first forecast target; the first cutoff is the slot before
  std::optional<Timestamp> test_to;  // last forecast target (inclusive); default: end of the panel
  std::vector<std::string> models = {"snaive_day", "snaive_week", "mean_4w", "ets_sqrt_robust", "xgb"};
  int calibration_cutoffs = 0;  // 0 = enough for two weeks and >= 400 residuals
  int retrain_every = 0;        // refit every n test cutoffs (0 = fit once at the test start)
  std::vector<int> hours;       // evaluate only targets at these hours of day (empty = all)
  int threads = 2;
};

struct CvRow {
  size_t series = 0;
  size_t slot = 0;    // target slot
  size_t cutoff = 0;  // cutoff slot
  double y = 0;
  std::vector<double> point, q10, q90;  // per model
};

struct BacktestResult {
  std::vector<std::string> models;
  std::vector<CvRow> rows;
  std::vector<Score> scores;
  size_t cutoffs = 0;
  double fit_seconds = 0, predict_seconds = 0;
};

using ProgressFn = std::function<void(size_t done, size_t total)>;

Result<BacktestResult> RunBacktest(const Panel& panel, const BacktestOptions& options,
                                   const ProgressFn& progress);

// Histories of every series truncated at `cutoff` (inclusive): the only data a forecast may use.
std::vector<SeriesHistory> HistoriesAt(const Panel& panel, size_t cutoff);

}  // namespace hotpath::forecast
