#pragma once
// Options: weights and limits of the dispatch objective. Cost units are minutes of click-to-door.

#include <cstdint>

#include "dispatch/types.h"

namespace hotpath::dispatch {

struct Options {
  // Commit an assignment only when its courier must leave within this lead to reach the restaurant by
  // the bundle's ready time (otherwise postpone: a better courier or a bundle partner may still come).
  // Keep it at least the re-planning interval; one extra minute of slack measured slightly better on MDRP.
  Seconds commit_lead = 2 * kMinute;
  // Orders ready later than now + planning_horizon are left out of this epoch (postponed).
  Seconds planning_horizon = 24 * 60 * kMinute;
  // Extra weight per minute an order waits at the restaurant after it is ready (freshness).
  double freshness_weight = 1.0;
  // Weight per minute of a promised time missed (on top of click-to-door).
  double lateness_weight = 2.0;
  // Weight per minute of courier time (travel to the restaurant, service, drop-off route).
  double courier_time_weight = 0.4;
  // Courier time after the courier's shift end is not counted: a courier cannot pick up anything after it
  // anyway, so a courier about to go off duty is cheap capacity, and one staying on duty is kept for later
  // orders (it matters at shift changes, when many couriers leave at once).
  bool discount_after_shift = true;
  // Cost of leaving an order without any courier in this epoch (per order).
  double unassigned_cost = 240.0;
  // Extra weight per minute an order has already waited since placement when it is left unassigned
  // (priority to old orders under courier shortage).
  double age_weight = 0.5;
  // Bundles: orders of one restaurant whose ready times are at most this far apart, at most this many.
  Seconds bundle_ready_spread = 10 * kMinute;
  int max_bundle_size = 4;
  // Sparsification: each bundle is offered to its cheapest couriers only.
  int candidates_per_bundle = 24;
  // Large snapshots get fewer candidates per bundle (never below the minimum) so that the bipartite graph
  // stays within the edge budget and the epoch within its time limit.
  int min_candidates_per_bundle = 12;
  int candidate_edge_budget = 60000;
  int local_search_passes = 2;
  // Share of a freed courier's best alternative use credited to a merge (0 = judge merges in isolation).
  double freed_courier_credit = 0.5;
  // Courier shortage: demand (estimated courier minutes of the open orders) over supply (courier minutes
  // available within scarcity_horizon). Between scarcity_low and scarcity_high the courier-time weight and
  // the bundle ready spread move linearly to their "scarce" values: throughput first when couriers are short.
  Seconds scarcity_horizon = 45 * kMinute;
  double scarcity_low = 0.4;
  double scarcity_high = 1.0;
  double scarce_courier_time_weight = 2.0;
  Seconds scarce_bundle_ready_spread = 20 * kMinute;
  Seconds approach_estimate = 5 * kMinute;  // courier minutes to reach a restaurant, for the demand estimate
  std::uint64_t seed = 1;
};

}  // namespace hotpath::dispatch
