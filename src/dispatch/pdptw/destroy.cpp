#include "dispatch/pdptw/destroy.h"

#include <algorithm>
#include <cmath>

namespace hotpath::dispatch::pdptw {
namespace {

std::vector<NodeId> AssignedRequests(const Plan& plan) {
  std::vector<NodeId> out;
  for (int r = 0; r < plan.num_routes(); ++r) {
    auto req = plan.Requests(r);
    out.insert(out.end(), req.begin(), req.end());
  }
  return out;
}

// Service start of every node in the plan, by node id.
std::vector<Time> ServiceStarts(const Plan& plan) {
  std::vector<Time> start(plan.instance().size(), 0);
  for (int r = 0; r < plan.num_routes(); ++r) {
    const auto& seq = plan.route(r).nodes();
    for (size_t k = 1; k + 1 < seq.size(); ++k) start[seq[k]] = plan.route(r).start(static_cast<int>(k));
  }
  return start;
}

// Distance saved by taking the request out of its route.
Distance RemovalSaving(const Plan& plan, NodeId p) {
  const Instance& inst = plan.instance();
  const auto& seq = plan.route(plan.RouteOf(p)).nodes();
  NodeId d = inst.DeliveryOf(p);
  std::vector<NodeId> rest;
  rest.reserve(seq.size());
  for (NodeId v : seq) {
    if (v != p && v != d) rest.push_back(v);
  }
  Distance after = 0;
  for (size_t k = 1; k < rest.size(); ++k) after += inst.Dist(rest[k - 1], rest[k]);
  return plan.route(plan.RouteOf(p)).distance() - after;
}

// Picks index floor(y^power * n): biased towards the front of a sorted list.
size_t BiasedIndex(size_t n, double power, Rng& rng) {
  return std::min(n - 1, static_cast<size_t>(std::pow(rng.Real(), power) * static_cast<double>(n)));
}

}  // namespace

std::vector<NodeId> RandomRemoval(Plan& plan, int count, Rng& rng) {
  auto req = AssignedRequests(plan);
  rng.Shuffle(req.begin(), req.end());
  req.resize(std::min<size_t>(req.size(), static_cast<size_t>(count)));
  for (NodeId p : req) plan.Remove(p);
  return req;
}

std::vector<NodeId> WorstRemoval(Plan& plan, int count, Rng& rng) {
  std::vector<NodeId> removed;
  auto req = AssignedRequests(plan);
  std::vector<std::pair<Distance, NodeId>> saving;
  while (static_cast<int>(removed.size()) < count && !req.empty()) {
    saving.clear();
    for (NodeId p : req) saving.emplace_back(RemovalSaving(plan, p), p);
    std::sort(saving.begin(), saving.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    NodeId p = saving[BiasedIndex(saving.size(), 3.0, rng)].second;
    plan.Remove(p);
    removed.push_back(p);
    std::erase(req, p);
  }
  return removed;
}

std::vector<NodeId> ShawRemoval(Plan& plan, int count, Rng& rng) {
  const Instance& inst = plan.instance();
  auto req = AssignedRequests(plan);
  if (req.empty()) return {};
  auto start = ServiceStarts(plan);
  Distance max_d = 1e-9;
  Time max_t = 1e-9;
  Load max_q = 1e-9;
  for (NodeId p : req) {
    max_q = std::max(max_q, inst.nodes[p].demand);
    max_t = std::max(max_t, start[inst.DeliveryOf(p)]);
  }
  for (NodeId p : req) max_d = std::max(max_d, inst.Dist(0, p) + inst.Dist(0, inst.DeliveryOf(p)));
  auto related = [&](NodeId a, NodeId b) {
    NodeId da = inst.DeliveryOf(a);
    NodeId db = inst.DeliveryOf(b);
    double dist = (inst.Dist(a, b) + inst.Dist(da, db)) / max_d;
    double time = (std::fabs(start[a] - start[b]) + std::fabs(start[da] - start[db])) / max_t;
    double load = std::fabs(inst.nodes[a].demand - inst.nodes[b].demand) / max_q;
    return 9 * dist + 3 * time + 2 * load;
  };
  std::vector<NodeId> removed{req[rng.Int(0, static_cast<int>(req.size()) - 1)]};
  std::erase(req, removed[0]);
  std::vector<std::pair<double, NodeId>> order;
  while (static_cast<int>(removed.size()) < count && !req.empty()) {
    NodeId seed = removed[rng.Int(0, static_cast<int>(removed.size()) - 1)];
    order.clear();
    for (NodeId p : req) order.emplace_back(related(seed, p), p);
    std::sort(order.begin(), order.end());
    NodeId p = order[BiasedIndex(order.size(), 6.0, rng)].second;
    removed.push_back(p);
    std::erase(req, p);
  }
  for (NodeId p : removed) plan.Remove(p);
  return removed;
}

std::vector<NodeId> RouteRemoval(Plan& plan, int count, Rng& rng) {
  std::vector<std::pair<int, int>> routes;  // (customers, route)
  for (int r = 0; r < plan.num_routes(); ++r) {
    if (!plan.route(r).empty()) routes.emplace_back(plan.route(r).customers(), r);
  }
  std::sort(routes.begin(), routes.end());
  std::vector<NodeId> removed;
  while (static_cast<int>(removed.size()) < count && !routes.empty()) {
    size_t idx = BiasedIndex(routes.size(), 2.0, rng);
    auto got = plan.ClearRoute(routes[idx].second);
    removed.insert(removed.end(), got.begin(), got.end());
    routes.erase(routes.begin() + static_cast<long>(idx));
  }
  return removed;
}

}  // namespace hotpath::dispatch::pdptw
