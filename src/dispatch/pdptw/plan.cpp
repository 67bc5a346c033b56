#include "dispatch/pdptw/plan.h"

namespace hotpath::dispatch::pdptw {

Plan::Plan(const Instance* inst, int num_routes)
    : inst_(inst), routes_(num_routes, Route(inst)), route_of_(inst->size(), -1) {}

void Plan::Insert(NodeId pickup, const Insertion& ins) {
  routes_[ins.route].Insert(pickup, ins.after_p, ins.after_d);
  route_of_[pickup] = ins.route;
}

void Plan::Remove(NodeId pickup) {
  int r = route_of_[pickup];
  if (r < 0) return;
  routes_[r].Remove(pickup);
  route_of_[pickup] = -1;
}

std::vector<NodeId> Plan::ClearRoute(int r) {
  std::vector<NodeId> removed = Requests(r);
  for (NodeId p : removed) route_of_[p] = -1;
  routes_[r].Assign({});
  return removed;
}

int Plan::AddRoute() {
  routes_.emplace_back(inst_);
  return num_routes() - 1;
}

void Plan::DropEmptyRoutes() {
  std::vector<Route> kept;
  for (auto& r : routes_) {
    if (!r.empty()) kept.push_back(std::move(r));
  }
  routes_ = std::move(kept);
  for (int r = 0; r < num_routes(); ++r) {
    for (NodeId p : Requests(r)) route_of_[p] = r;
  }
}

int Plan::Vehicles() const {
  int count = 0;
  for (const auto& r : routes_) count += r.empty() ? 0 : 1;
  return count;
}

Distance Plan::TotalDistance() const {
  Distance total = 0;
  for (const auto& r : routes_) total += r.distance();
  return total;
}

std::vector<NodeId> Plan::Requests(int r) const {
  std::vector<NodeId> out;
  for (NodeId v : routes_[r].nodes()) {
    if (v != 0 && inst_->nodes[v].delivery != 0) out.push_back(v);
  }
  return out;
}

Solution Plan::ToSolution() const {
  Solution sol;
  for (const auto& r : routes_) {
    if (r.empty()) continue;
    sol.routes.emplace_back(r.nodes().begin() + 1, r.nodes().end() - 1);
  }
  return sol;
}

}  // namespace hotpath::dispatch::pdptw
