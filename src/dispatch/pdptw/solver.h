#pragma once
// The PDPTW solver: regret-2 construction, route minimisation by guided ejection search, then
// distance minimisation by ALNS. With threads > 1, independent searches with seeds seed,
// seed+1, ... run in parallel and the best result (fewest vehicles, then distance) is kept.
// Deterministic for a seed and thread count when max_iterations bounds the search (the wall-clock
// deadline still applies); with only a time limit the result depends on machine speed.

#include <chrono>
#include <cstdint>

#include "dispatch/pdptw/instance.h"
#include "dispatch/pdptw/solution.h"

namespace hotpath::dispatch::pdptw {

struct SolveOptions {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::duration<double> time_limit{10.0};  // measured from `start`, output writing included
  int threads = 1;
  uint64_t seed = 1;
  int64_t max_iterations = 0;        // per phase and thread; <= 0: until the deadline
  double route_phase_fraction = 0.5;  // share of the time given to route minimisation at most
};

struct SolveStats {
  int64_t route_iterations = 0;
  int64_t alns_iterations = 0;
  int initial_vehicles = 0;
};

// Always returns a feasible solution serving every request (the instance is validated on load).
[[nodiscard]] Solution Solve(const Instance& inst, const SolveOptions& opts, SolveStats* stats = nullptr);

}  // namespace hotpath::dispatch::pdptw
