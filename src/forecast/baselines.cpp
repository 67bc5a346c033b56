#include "forecast/baselines.h"

#include <algorithm>
#include <cmath>

namespace hotpath::forecast {

double LastObserved(std::span<const double> y) {
  for (size_t i = y.size(); i-- > 0;) {
    if (!std::isnan(y[i])) return y[i];
  }
  return 0.0;
}

Status Method::Fit(const std::vector<SeriesHistory>& /*histories*/, int /*horizon*/) { return OkStatus(); }

Status Method::LoadState(const std::string& state) {
  if (!state.empty())
    return MakeError(ErrorCode::kParse,
                     Name() + " has no state, got " + std::to_string(state.size()) + " bytes");
  return OkStatus();
}

namespace {

// Mean of y at target-k*period for the `count` most recent k with target-k*period <= cutoff.
double SeasonalMean(std::span<const double> y, long target, long period, int count) {
  const long last = static_cast<long>(y.size()) - 1;
  long k = (target - last + period - 1) / period;  // smallest k with target - k*period <= last
  if (k < 1) k = 1;
  double sum = 0;
  int n = 0;
  for (int i = 0; i < count; ++i, ++k) {
    const double v = ValueAt(y, target - k * period);
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

void SeasonalNaive::Predict(const std::vector<SeriesHistory>& histories, int horizon,
                            std::vector<std::vector<double>>& out) const {
  out.resize(histories.size());
  for (size_t i = 0; i < histories.size(); ++i) {
    const auto& h = histories[i];
    const long period = static_cast<long>(period_days_) * SlotsPerDay(h.freq);
    const long last = static_cast<long>(h.y.size()) - 1;
    out[i].assign(static_cast<size_t>(horizon), 0.0);
    for (int step = 1; step <= horizon; ++step) {
      // A missing seasonal value falls back to older seasons, then to the last observation.
      const long target = last + step;
      long k = std::max(1L, (target - last + period - 1) / period);
      double v = std::numeric_limits<double>::quiet_NaN();
      for (int tries = 0; tries < 4 && std::isnan(v); ++tries, ++k) v = ValueAt(h.y, target - k * period);
      out[i][static_cast<size_t>(step - 1)] = std::isnan(v) ? LastObserved(h.y) : v;
    }
  }
}

void WeeklySlotMean::Predict(const std::vector<SeriesHistory>& histories, int horizon,
                             std::vector<std::vector<double>>& out) const {
  out.resize(histories.size());
  for (size_t i = 0; i < histories.size(); ++i) {
    const auto& h = histories[i];
    const long period = SlotsPerWeek(h.freq);
    const long last = static_cast<long>(h.y.size()) - 1;
    out[i].assign(static_cast<size_t>(horizon), 0.0);
    for (int step = 1; step <= horizon; ++step) {
      const double v = SeasonalMean(h.y, last + step, period, weeks_);
      out[i][static_cast<size_t>(step - 1)] = std::isnan(v) ? LastObserved(h.y) : v;
    }
  }
}

}  // namespace hotpath::forecast
