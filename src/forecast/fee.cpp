#include "forecast/fee.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hotpath::forecast {
namespace {

MinorUnits RoundTo(double v, MinorUnits step) {
  if (step <= 1) return static_cast<MinorUnits>(std::llround(v));
  return static_cast<MinorUnits>(std::llround(v / static_cast<double>(step))) * step;
}

std::string Format(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c, d);
  return buf;
}

}  // namespace

FeeQuote QuoteDeliveryFee(const FeePolicy& policy, const ZoneLoad& load, const FeeState& previous) {
  FeeQuote q;
  q.currency = policy.currency;
  q.quoted_at = load.now;
  q.expires_at = load.now + policy.quote_validity;
  FeeBreakdown& b = q.breakdown;
  b.base = policy.base_fee;

  const double demand = policy.live_weight * std::max(0.0, load.live_orders_per_hour) +
                        (1 - policy.live_weight) * std::max(0.0, load.forecast_orders_per_hour);
  const double capacity = std::max(0, load.available_couriers) * policy.orders_per_courier_hour;
  b.load = capacity > 0 ? demand / capacity : (demand > 0 ? 1e9 : 0.0);
  b.target_multiplier =
      std::clamp(1.0 + policy.surge_per_load * std::max(0.0, b.load - policy.load_threshold), 1.0,
                 policy.max_multiplier);
  // Hysteresis: small moves of the target keep the previous multiplier; larger ones are approached
  // gradually, so the fee neither flaps nor jumps.
  const double prev = std::clamp(previous.multiplier, 1.0, policy.max_multiplier);
  double applied = prev;
  if (std::abs(b.target_multiplier - prev) >= policy.hysteresis) {
    applied = prev + policy.smoothing * (b.target_multiplier - prev);
  }
  b.multiplier = applied;
  q.next_state.multiplier = applied;

  const MinorUnits raw = RoundTo(static_cast<double>(policy.base_fee) * applied, policy.rounding);
  b.demand_surcharge = raw - policy.base_fee;
  q.fee = std::clamp(raw, policy.min_fee, policy.max_fee);
  b.cap_adjustment = q.fee - raw;

  b.lines.push_back(Format("base fee %.2f", static_cast<double>(policy.base_fee) / 100));
  b.lines.push_back(Format("expected demand %.1f orders/h (live %.1f, forecast %.1f, forecast q90 %.1f)",
                           demand, load.live_orders_per_hour, load.forecast_orders_per_hour,
                           load.forecast_q90_per_hour));
  b.lines.push_back(Format("%.0f couriers available, capacity %.1f orders/h, load %.2f",
                           load.available_couriers, capacity, b.load));
  b.lines.push_back(
      Format("demand multiplier x%.2f (target x%.2f, previous x%.2f)", applied, b.target_multiplier, prev));
  if (b.demand_surcharge != 0)
    b.lines.push_back(Format("demand surcharge %.2f", static_cast<double>(b.demand_surcharge) / 100));
  if (b.cap_adjustment < 0)
    b.lines.push_back(Format("capped at maximum fee %.2f", static_cast<double>(policy.max_fee) / 100));
  if (b.cap_adjustment > 0)
    b.lines.push_back(Format("raised to minimum fee %.2f", static_cast<double>(policy.min_fee) / 100));
  return q;
}

}  // namespace hotpath::forecast
