#pragma once
// One vehicle's route with cached schedule data for O(1)-per-position feasibility tests.
// nodes() always starts and ends with the depot (0). For each position k the cache holds the
// earliest service start, the latest service start that keeps the rest of the route feasible
// (backward time slack) and the load after service.

#include <vector>

#include "dispatch/pdptw/instance.h"
#include "dispatch/pdptw/types.h"

namespace hotpath::dispatch::pdptw {

class Route {
 public:
  Route() = default;
  explicit Route(const Instance* inst) : inst_(inst), nodes_{0, 0} { Refresh(); }

  [[nodiscard]] const std::vector<NodeId>& nodes() const { return nodes_; }
  [[nodiscard]] bool empty() const { return nodes_.size() <= 2; }
  [[nodiscard]] int customers() const { return static_cast<int>(nodes_.size()) - 2; }
  [[nodiscard]] Distance distance() const { return distance_; }
  [[nodiscard]] Time start(int pos) const { return start_[pos]; }
  [[nodiscard]] Time latest(int pos) const { return latest_[pos]; }
  [[nodiscard]] Load load(int pos) const { return load_[pos]; }

  // Inserts the pickup after position `after_p` and the delivery after position `after_d` of the
  // current node list (after_d >= after_p; equal means the delivery directly follows the pickup).
  void Insert(NodeId pickup, int after_p, int after_d);
  // Removes a request (pickup and its delivery) from this route.
  void Remove(NodeId pickup);
  // Replaces the customer sequence (depots are added).
  void Assign(const std::vector<NodeId>& customers);
  // True when the cached schedule is feasible (used by assertions in tests and by Assign callers).
  [[nodiscard]] bool Feasible() const;

 private:
  void Refresh();

  const Instance* inst_ = nullptr;
  std::vector<NodeId> nodes_;
  std::vector<Time> start_;
  std::vector<Time> latest_;
  std::vector<Load> load_;
  Distance distance_ = 0;
};

}  // namespace hotpath::dispatch::pdptw
