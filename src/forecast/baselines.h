#pragma once
// The baselines practitioners must beat: seasonal naive and the mean of the same slot over k periods.
#include "forecast/method.h"

namespace hotpath::forecast {

// Value one season earlier (period in days: 1 = yesterday's same slot, 7 = last week's same slot).
class SeasonalNaive final : public Method {
 public:
  explicit SeasonalNaive(int period_days) : period_days_(period_days) {}
  std::string Name() const override { return period_days_ == 7 ? "snaive_week" : "snaive_day"; }
  void Predict(const std::vector<SeriesHistory>& histories, int horizon,
               std::vector<std::vector<double>>& out) const override;

 private:
  int period_days_;
};

// Mean of the same slot of the week over the last k weeks before the cutoff (NaNs skipped).
class WeeklySlotMean final : public Method {
 public:
  explicit WeeklySlotMean(int weeks) : weeks_(weeks) {}
  std::string Name() const override { return "mean_" + std::to_string(weeks_) + "w"; }
  void Predict(const std::vector<SeriesHistory>& histories, int horizon,
               std::vector<std::vector<double>>& out) const override;

 private:
  int weeks_;
};

}  // namespace hotpath::forecast
