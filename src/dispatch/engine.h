#pragma once
// The dispatch engine: one pure, deadline-bounded decision epoch.
//
//   Plan Solve(const Snapshot& snapshot, const TravelTimes& travel, const Options& options, Deadline
//   deadline);
//
// Given the open (uncommitted) orders and the couriers on duty at snapshot.now, Solve
//   1. starts from one bundle per order,
//   2. offers every bundle to its `candidates_per_bundle` cheapest couriers (idle or becoming free),
//   3. solves the min-cost bundle-courier assignment exactly (AssignmentProblem),
//   4. runs local search that merges bundles of one restaurant when that lowers the objective
//      (freeing a courier, whose best alternative use is credited when couriers are short), then
//      re-solves the assignment, `local_search_passes` times; the weights adapt to courier shortage,
//   5. commits only assignments whose courier is idle and must leave now to reach the restaurant by the
//      ready time; everything else is postponed and re-planned at the next epoch (rolling horizon).
// It reads nothing but its arguments: no clock except `deadline`, no I/O, deterministic for a given
// snapshot and options.seed (the deadline only cuts local search short and is reported in stats).
// Committed assignments never share an order or a courier. The caller executes them and removes their
// orders from the next snapshot; the courier's next CourierState is {end_position, free_at}.
// See docs/dispatch.md for how the live dispatcher builds snapshots.

#include "dispatch/deadline.h"
#include "dispatch/options.h"
#include "dispatch/plan.h"
#include "dispatch/snapshot.h"
#include "dispatch/travel_times.h"

namespace hotpath::dispatch {

[[nodiscard]] Plan Solve(const Snapshot& snapshot, const TravelTimes& travel, const Options& options,
                         Deadline deadline);

}  // namespace hotpath::dispatch
