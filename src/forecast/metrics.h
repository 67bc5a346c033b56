#pragma once
// Accuracy of forecasts against actuals: WAPE, MAE, MASE (scaled by the in-sample MAE of the weekly
// seasonal naive per series, averaged over series) and the coverage of the 10-90% interval.
#include <span>
#include <string>
#include <vector>

#include "forecast/calendar.h"

namespace hotpath::forecast {

struct Score {
  std::string model;
  double wape = 0;      // sum|y - f| / sum|y|
  double mae = 0;       // mean |y - f|
  double mase = 0;      // mean over series of MAE / seasonal naive in-sample MAE
  double coverage = 0;  // share of y with q10 <= y <= q90
  size_t n = 0;
};

// In-sample MAE of the seasonal naive with period `season` over the given history (NaNs skipped).
double SeasonalNaiveScale(std::span<const double> history, long season);

class ScoreBoard {
 public:
  ScoreBoard(std::vector<std::string> models, std::vector<double> series_scale);
  void Add(size_t model, size_t series, double y, double forecast, double q10, double q90);
  std::vector<Score> Scores() const;

 private:
  struct Acc {
    double abs_err = 0, abs_y = 0, covered = 0;
    size_t n = 0;
  };
  std::vector<std::string> models_;
  std::vector<double> scale_;
  std::vector<std::vector<Acc>> acc_;  // [model][series]
};

}  // namespace hotpath::forecast
