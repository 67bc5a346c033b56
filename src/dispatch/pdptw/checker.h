#pragma once
// Independent feasibility check of a solution against an instance, written from the problem
// definition and sharing no code with the solver: every request served exactly once, pickup
// before its delivery on the same route, capacity, time windows (waiting allowed) and the depot's
// closing time.

#include <string>
#include <vector>

#include "dispatch/pdptw/instance.h"
#include "dispatch/pdptw/solution.h"

namespace hotpath::dispatch::pdptw {

struct CheckReport {
  bool feasible = false;
  std::vector<std::string> errors;  // empty when feasible
  int vehicles = 0;
  Distance distance = 0;
};

[[nodiscard]] CheckReport CheckSolution(const Instance& inst, const Solution& sol);

}  // namespace hotpath::dispatch::pdptw
