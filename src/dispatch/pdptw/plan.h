#pragma once
// The solver's working solution: a fixed set of routes (some possibly empty) and the route of
// every request. Invariant: every route is feasible; a request is either in exactly one route or
// unassigned (route_of == -1).

#include <vector>

#include "dispatch/pdptw/insertion.h"
#include "dispatch/pdptw/route.h"
#include "dispatch/pdptw/solution.h"

namespace hotpath::dispatch::pdptw {

class Plan {
 public:
  Plan() = default;
  Plan(const Instance* inst, int num_routes);

  [[nodiscard]] const Instance& instance() const { return *inst_; }
  [[nodiscard]] int num_routes() const { return static_cast<int>(routes_.size()); }
  [[nodiscard]] const Route& route(int r) const { return routes_[r]; }
  [[nodiscard]] int RouteOf(NodeId pickup) const { return route_of_[pickup]; }

  // Precondition: `ins` was computed on the current state of route ins.route.
  void Insert(NodeId pickup, const Insertion& ins);
  void Remove(NodeId pickup);
  // Removes every request of route r and returns their pickups.
  std::vector<NodeId> ClearRoute(int r);
  int AddRoute();
  // Reorders route r; `customers` must hold exactly the route's current nodes.
  void SetSequence(int r, const std::vector<NodeId>& customers) { routes_[r].Assign(customers); }
  // Drops empty routes (renumbering the rest).
  void DropEmptyRoutes();

  [[nodiscard]] int Vehicles() const;
  [[nodiscard]] Distance TotalDistance() const;
  [[nodiscard]] std::vector<NodeId> Requests(int r) const;  // pickups on route r, in order
  [[nodiscard]] Solution ToSolution() const;

 private:
  const Instance* inst_ = nullptr;
  std::vector<Route> routes_;
  std::vector<int> route_of_;  // by node id; meaningful for pickups
};

}  // namespace hotpath::dispatch::pdptw
