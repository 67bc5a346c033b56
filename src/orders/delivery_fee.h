#pragma once
// The delivery fee beyond the distance tariff: a source (the dynamic fee desk of src/demand) turns
// the distance fee of a quote into the fee charged now in the restaurant's zone, with its
// explanation. OrderService works without one (the distance fee is the fee).

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"

namespace hotpath::orders {

struct FeeBreakdown {
  std::int64_t base = 0;                    // the distance fee: the floor of the fee
  double multiplier = 1.0;                  // the zone's demand multiplier applied to `base`
  std::int64_t surcharge = 0;               // fee - base, after the caps
  double demand_per_hour = 0;               // orders placed in the zone lately, per hour
  int riders = 0;                           // riders available (online and free) in the zone
  std::optional<double> forecast_per_hour;  // median forecast of this hour; none without a model
  std::string reason;                       // why the fee is what it is, for people
};

struct DeliveryFee {
  std::int64_t fee = 0;
  FeeBreakdown breakdown;
};

class DeliveryFeeSource {
 public:
  virtual ~DeliveryFeeSource() = default;
  // The fee for an order of `zone_id` ("" when the restaurant has none) whose distance fee is
  // `base_fee`. Never fails: without data it answers the base fee.
  virtual DeliveryFee FeeFor(const std::string& zone_id, std::int64_t base_fee, Millis now) = 0;
};

}  // namespace hotpath::orders
