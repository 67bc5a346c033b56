#pragma once
// Distance minimisation by adaptive large-neighbourhood search (Ropke & Pisinger 2006): random,
// worst and Shaw removal; greedy, regret-2 and regret-3 insertion, with or without noise;
// operator weights adapted per segment; simulated-annealing acceptance whose temperature falls
// with the fraction of the budget used. Never opens a new route, so the vehicle count never grows.

#include <cstdint>

#include "dispatch/pdptw/budget.h"
#include "dispatch/pdptw/plan.h"
#include "dispatch/pdptw/rng.h"

namespace hotpath::dispatch::pdptw {

struct AlnsOptions {
  double start_worse = 0.05;   // a solution this much worse is accepted with probability 1/2 at start
  double end_temperature_ratio = 1e-3;
  int segment = 100;           // iterations between weight updates
  double reaction = 0.1;
  double max_removal_fraction = 0.35;
  int max_removal = 40;
  double bank_penalty = 1.0;  // per unassigned request, in units of the longest arc
};

// Returns the best plan found (fewest vehicles, then shortest distance); `iterations` is advanced
// and checked against budget.max_iterations().
[[nodiscard]] Plan ImproveDistance(Plan start, const Budget& budget, const AlnsOptions& opts, Rng& rng,
                                   int64_t* iterations);

}  // namespace hotpath::dispatch::pdptw
