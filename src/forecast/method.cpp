#include "forecast/method.h"

#include <charconv>

#include "forecast/baselines.h"
#include "forecast/ets.h"
#include "forecast/gbt.h"

namespace hotpath::forecast {

Result<std::unique_ptr<Method>> MakeMethod(std::string_view name, int xgb_threads) {
  if (name == "snaive_day") return std::unique_ptr<Method>(std::make_unique<SeasonalNaive>(1));
  if (name == "snaive_week") return std::unique_ptr<Method>(std::make_unique<SeasonalNaive>(7));
  if (name == "ets") return std::unique_ptr<Method>(std::make_unique<DoubleSeasonalEts>());
  if (name == "xgb" || name.substr(0, 4) == "xgb:") {
    auto p = ParseGbtSpec(name, xgb_threads);
    if (!p.ok()) return p.error();
    return std::unique_ptr<Method>(std::make_unique<GradientBoostedTrees>(*p));
  }
  if (name.size() > 6 && name.substr(0, 5) == "mean_" && name.back() == 'w') {
    int k = 0;
    const auto digits = name.substr(5, name.size() - 6);
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
    if (ec == std::errc() && p == digits.data() + digits.size() && k >= 1 && k <= 52) {
      return std::unique_ptr<Method>(std::make_unique<WeeklySlotMean>(k));
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown model '" + std::string(name) +
                                                    "' (known: snaive_day, snaive_week, mean_<k>w, ets, xgb[:key=value,...])");
}

}  // namespace hotpath::forecast
