#pragma once
// Route minimisation by guided ejection search (Nagata & Kobayashi 2010, without the squeeze
// step): delete a route, keep its requests in an ejection pool (LIFO), insert them one by one at
// their cheapest feasible position (the paper picks a random one; cheapest leaves a shorter plan
// for the distance phase);
// a request that fits nowhere is inserted by ejecting up to `max_ejections` requests of one
// route, chosen to minimise the sum of their failure counters, followed by random feasible
// relocate/exchange moves. Each success removes one vehicle.

#include <cstdint>

#include "dispatch/pdptw/budget.h"
#include "dispatch/pdptw/plan.h"
#include "dispatch/pdptw/rng.h"

namespace hotpath::dispatch::pdptw {

struct RouteMinOptions {
  int max_ejections = 2;
  int perturb_moves = 100;
  int min_vehicles = 1;  // stop once reached (a lower bound)
};

// Returns a feasible plan with at most as many vehicles as `start` (all requests assigned).
// `iterations` counts insertion steps, checked against budget.max_iterations().
[[nodiscard]] Plan MinimizeRoutes(Plan start, const Budget& budget, const RouteMinOptions& opts, Rng& rng,
                                  int64_t* iterations);

}  // namespace hotpath::dispatch::pdptw
