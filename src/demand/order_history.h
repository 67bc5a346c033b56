#pragma once
// What the demand context reads from the platform's tables (the only SQL in src/demand):
// orders placed per zone and hour, recent placements, riders available, measured rider productivity.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace hotpath::demand {

constexpr Millis kHourMs = 3'600'000;

// Orders placed per zone and hour in [from, to) (hour-aligned Unix ms); hours with no order are
// absent. Key: zone id -> (hour start -> orders). Orders of restaurants without a zone are left out.
using HourlyCounts = std::map<std::string, std::map<Millis, int>>;
Result<HourlyCounts> OrdersPerZoneHour(storage::Database& db, Millis from, Millis to);

// The time of the first order with a zone, or 0 when there is none.
Result<Millis> FirstOrderAt(storage::Database& db);

// (zone, placed at) of orders placed at or after `since` (seeds live demand at start).
Result<std::vector<std::pair<std::string, Millis>>> OrdersPlacedSince(storage::Database& db, Millis since);

// Riders online and free (status 'available') in the zone.
Result<int> RidersAvailable(storage::Database& db, const std::string& zone_id);

// Deliveries finished in [since, now) with the rider's time on each: from the (last) assignment to
// the delivery. A bundle's orders each count their own time, so productivity is underestimated
// when riders batch, never overestimated.
struct MeasuredDeliveries {
  std::int64_t deliveries = 0;
  double busy_hours = 0;
};
Result<MeasuredDeliveries> MeasuredProductivity(storage::Database& db, const std::string& zone_id, Millis since);

}  // namespace hotpath::demand
