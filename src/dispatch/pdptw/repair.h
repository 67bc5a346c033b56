#pragma once
// Repair operators of the large-neighbourhood searches: regret-k insertion (k = 1 is greedy
// cheapest insertion) with the per-route best insertion of every pending request cached, so
// after each insertion only the changed route is re-evaluated.

#include <vector>

#include "dispatch/pdptw/plan.h"
#include "dispatch/pdptw/rng.h"

namespace hotpath::dispatch::pdptw {

struct RepairOptions {
  int regret = 2;              // 1 = greedy
  Distance noise = 0;          // insertion costs are perturbed by up to +-noise (absolute)
  bool allow_new_routes = false;
  bool stop_at_first_failure = true;  // give up as soon as one request fits nowhere
};

// Inserts `pending` into `plan`. Returns the requests left unassigned (empty on full success).
std::vector<NodeId> RegretInsert(Plan& plan, std::vector<NodeId> pending, const RepairOptions& opts,
                                 Rng& rng);

}  // namespace hotpath::dispatch::pdptw
