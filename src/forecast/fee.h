#pragma once
// Dynamic delivery fee for one zone: a pure policy from live demand, available couriers and the
// forecast to a fee quote with caps, smoothing and hysteresis (no flapping) and an explanation.
// The caller keeps the returned FeeState per zone and passes it back on the next quote.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "forecast/calendar.h"

namespace hotpath::forecast {

using MinorUnits = std::int64_t;  // money in minor units (pence, cents) of `currency`

struct FeePolicy {
  MinorUnits base_fee = 299;
  std::string currency = "GBP";
  MinorUnits min_fee = 199;
  MinorUnits max_fee = 699;
  double max_multiplier = 2.0;
  double load_threshold = 0.8;  // demand / courier capacity below which there is no surge
  double surge_per_load = 1.0;  // multiplier added per unit of load above the threshold
  double live_weight = 0.6;     // weight of the live order rate against the forecast
  double smoothing = 0.5;       // share of the gap to the target multiplier closed per quote
  double hysteresis = 0.1;      // target changes smaller than this are ignored
  MinorUnits rounding = 10;     // fees are rounded to this step
  std::chrono::seconds quote_validity{300};
  double orders_per_courier_hour = 2.5;
};

struct ZoneLoad {
  Timestamp now{};
  double live_orders_per_hour = 0;      // measured over the last minutes
  double forecast_orders_per_hour = 0;  // q50 for the current hour
  double forecast_q90_per_hour = 0;     // shown in the explanation; the q90 staffing margin lives in staffing
  int available_couriers = 0;
};

struct FeeState {
  double multiplier = 1.0;
};

struct FeeBreakdown {
  MinorUnits base = 0;
  MinorUnits demand_surcharge = 0;  // base x (multiplier - 1), rounded
  MinorUnits cap_adjustment = 0;    // negative when the max cap bit, positive for the min floor
  double load = 0;                  // expected demand / courier capacity
  double target_multiplier = 1.0;   // before smoothing
  double multiplier = 1.0;          // applied
  std::vector<std::string> lines;   // human-readable explanation
};

struct FeeQuote {
  MinorUnits fee = 0;
  std::string currency;
  Timestamp quoted_at{}, expires_at{};
  FeeBreakdown breakdown;
  FeeState next_state;
};

FeeQuote QuoteDeliveryFee(const FeePolicy& policy, const ZoneLoad& load, const FeeState& previous);
inline bool QuoteValid(const FeeQuote& q, Timestamp now) { return now >= q.quoted_at && now < q.expires_at; }

}  // namespace hotpath::forecast
