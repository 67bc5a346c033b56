#pragma once
// A PDPTW solution as plain routes (customer node ids, depot left out) and its SINTEF text form:
//   Instance name : lc101
//   ...
//   Solution
//   Route 1 : 81 78 104 ...

#include <string>
#include <string_view>
#include <vector>

#include "dispatch/pdptw/instance.h"
#include "dispatch/pdptw/types.h"

namespace hotpath::dispatch::pdptw {

struct Solution {
  std::vector<std::vector<NodeId>> routes;  // non-empty routes only

  [[nodiscard]] int vehicles() const { return static_cast<int>(routes.size()); }
};

// Total Euclidean length of all routes, depot to depot, unrounded.
[[nodiscard]] Distance TotalDistance(const Instance& inst, const Solution& sol);

// True when `a` is better than `b`: fewer vehicles, then shorter distance.
[[nodiscard]] bool Better(int vehicles_a, Distance dist_a, int vehicles_b, Distance dist_b);

[[nodiscard]] std::string FormatSintef(const Instance& inst, const Solution& sol);

// Reads the `Route k : ...` lines of a SINTEF solution; other lines are ignored.
[[nodiscard]] Result<Solution> ParseSintef(std::string_view text, const std::string& source);

}  // namespace hotpath::dispatch::pdptw
