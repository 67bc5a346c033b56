#pragma once
// A forecasting method: point forecasts for the slots after a cutoff, from that cutoff's history only.
// Leakage is prevented by construction: Predict() sees a span that ends at the cutoff.
#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "forecast/calendar.h"
#include "forecast/result.h"

namespace hotpath::forecast {

struct SeriesHistory {
  size_t series = 0;          // index of the series in its panel (a zone feature)
  std::span<const double> y;  // observations up to and including the cutoff (NaN = not observed)
  Timestamp cutoff{};         // time of y.back()
  Freq freq = Freq::k1h;
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string Name() const = 0;
  // Learns parameters from histories that end at one training cutoff. Baselines learn nothing.
  virtual Status Fit(const std::vector<SeriesHistory>& histories, int horizon);
  // out[i] receives `horizon` forecasts for the slots after histories[i].cutoff.
  virtual void Predict(const std::vector<SeriesHistory>& histories, int horizon,
                       std::vector<std::vector<double>>& out) const = 0;
  // Learned parameters as text (empty for baselines), for model files.
  virtual std::string SaveState() const { return {}; }
  virtual Status LoadState(const std::string& state);
};

// Names: snaive_day, snaive_week, mean_<k>w (e.g. mean_4w), ets, xgb or xgb:key=value;... (see gbt.h),
// ens:a+b+... (equal-weight average of members).
Result<std::unique_ptr<Method>> MakeMethod(std::string_view name, int xgb_threads = 2);

// Value of y at index idx, or NaN when idx is before the start.
inline double ValueAt(std::span<const double> y, long idx) {
  return idx >= 0 && static_cast<size_t>(idx) < y.size() ? y[static_cast<size_t>(idx)]
                                                         : std::numeric_limits<double>::quiet_NaN();
}
// Fallback for a slot without a usable seasonal value: the last observed value, or 0.
double LastObserved(std::span<const double> y);

}  // namespace hotpath::forecast
