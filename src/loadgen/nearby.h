#pragma once
// The geo index's query rate: `riders` riders spread uniformly over kCity in a real
// tracking::Tracker (its shared lock included), then nearest-10-within-1-km queries around seeded
// random points in the city, back to back on one thread, for `duration`.

#include <chrono>
#include <cstdint>

#include "core/result.h"
#include "storage/database.h"

namespace hotpath::loadgen {

struct NearbyStats {
  std::uint64_t queries = 0;
  double seconds = 0;
  double mean_found = 0;  // riders per answer (at most 10)
};

NearbyStats RunNearby(storage::Database& db, int riders, std::chrono::milliseconds duration, std::uint64_t seed);

}  // namespace hotpath::loadgen
