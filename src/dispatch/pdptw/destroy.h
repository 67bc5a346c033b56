#pragma once
// Removal (destroy) operators of the ALNS (Ropke & Pisinger 2006): random, worst (largest
// distance saving, randomised) and Shaw relatedness removal. Each removes up to `count`
// requests from the plan and returns them.

#include <vector>

#include "dispatch/pdptw/plan.h"
#include "dispatch/pdptw/rng.h"

namespace hotpath::dispatch::pdptw {

std::vector<NodeId> RandomRemoval(Plan& plan, int count, Rng& rng);
std::vector<NodeId> WorstRemoval(Plan& plan, int count, Rng& rng);
std::vector<NodeId> ShawRemoval(Plan& plan, int count, Rng& rng);
// Removes whole routes (the shortest ones, randomised) until at least `count` requests are out.
std::vector<NodeId> RouteRemoval(Plan& plan, int count, Rng& rng);

}  // namespace hotpath::dispatch::pdptw
