#pragma once
// Bundle: orders of one restaurant carried together, with their drop-off sequence and the cost of giving
// the bundle to a courier. Pure functions of the snapshot; the engine's building blocks.

#include <optional>
#include <vector>

#include "dispatch/options.h"
#include "dispatch/snapshot.h"
#include "dispatch/travel_times.h"

namespace hotpath::dispatch {

struct Bundle {
  RestaurantId restaurant = 0;
  Point pickup;
  std::vector<int> orders;       // indices into Snapshot::orders, in drop-off sequence
  TimePoint ready = 0;           // latest ready time of its orders
  std::vector<Seconds> offsets;  // drop-off instant of each order minus the pickup instant
  Seconds tail = 0;              // courier free time minus the pickup instant
};

// Builds a bundle over `orders` (same restaurant), choosing the drop-off sequence that minimises
// total click-to-door (then courier time): exhaustive up to 5 orders, nearest neighbour beyond.
// Precondition: orders non-empty and all of one restaurant.
[[nodiscard]] Bundle MakeBundle(const Snapshot& snapshot, const TravelTimes& travel, std::vector<int> orders);

struct BundleTiming {
  TimePoint depart = 0;  // earliest departure (now, or when the courier becomes free)
  TimePoint arrive = 0;  // at the restaurant when leaving at `depart`
  TimePoint pickup = 0;
  TimePoint latest_depart = 0;  // leaving this late still gives the same pickup
  Seconds courier_time = 0;     // travel + service + drop-off route, excluding avoidable waiting
};

// Timing of `bundle` served by `courier`, or nullopt if the courier cannot pick it up before shift end.
[[nodiscard]] std::optional<BundleTiming> TimeBundle(const Snapshot& snapshot, const TravelTimes& travel,
                                                     const Bundle& bundle, const CourierState& courier);

// Objective value of the timing (weighted minutes; see Options).
[[nodiscard]] Cost BundleCost(const Snapshot& snapshot, const Options& options, const Bundle& bundle,
                              const CourierState& courier, const BundleTiming& timing);

}  // namespace hotpath::dispatch
