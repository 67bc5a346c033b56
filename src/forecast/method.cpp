#include "forecast/method.h"

#include <charconv>

#include "forecast/baselines.h"
#include "forecast/ensemble.h"
#include "forecast/ets.h"
#include "forecast/gbt.h"

namespace hotpath::forecast {

Result<std::unique_ptr<Method>> MakeMethod(std::string_view name, int xgb_threads) {
  if (name == "snaive_day") return std::unique_ptr<Method>(std::make_unique<SeasonalNaive>(1));
  if (name == "snaive_week") return std::unique_ptr<Method>(std::make_unique<SeasonalNaive>(7));
  for (int transform : {0, 1}) {
    for (bool robust : {false, true}) {
      EtsParams p;
      p.transform = transform;
      p.robust = robust;
      DoubleSeasonalEts ets(p);
      if (name == ets.Name()) return std::unique_ptr<Method>(std::make_unique<DoubleSeasonalEts>(p));
    }
  }
  if (name == "xgb" || name.substr(0, 4) == "xgb:") {
    auto p = ParseGbtSpec(name, xgb_threads);
    if (!p.ok()) return p.error();
    return std::unique_ptr<Method>(std::make_unique<GradientBoostedTrees>(*p));
  }
  if (name.substr(0, 4) == "ens:") {
    std::vector<std::unique_ptr<Method>> members;
    std::string_view rest = name.substr(4);
    while (!rest.empty()) {
      const size_t plus = rest.find('+');
      auto member = MakeMethod(rest.substr(0, plus), xgb_threads);
      if (!member.ok()) return member.error();
      members.push_back(std::move(member).value());
      rest = plus == std::string_view::npos ? std::string_view() : rest.substr(plus + 1);
    }
    if (members.size() < 2)
      return MakeError(ErrorCode::kInvalidArgument, "ensemble needs two or more members");
    return std::unique_ptr<Method>(std::make_unique<Ensemble>(std::string(name), std::move(members)));
  }
  if (name.size() > 6 && name.substr(0, 5) == "mean_" && name.back() == 'w') {
    int k = 0;
    const auto digits = name.substr(5, name.size() - 6);
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
    if (ec == std::errc() && p == digits.data() + digits.size() && k >= 1 && k <= 52) {
      return std::unique_ptr<Method>(std::make_unique<WeeklySlotMean>(k));
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown model '" + std::string(name) +
                       "' (known: snaive_day, snaive_week, mean_<k>w, ets[_sqrt][_robust], "
                       "xgb[:key=value;...], ens:a+b[+c...])");
}

}  // namespace hotpath::forecast
