#pragma once
// Feasible insertion positions of one request into one route, in O(n^2) per route with O(1)
// checks per position: the pickup's shift is propagated forward only until the delivery's slot,
// and the tail after the delivery is checked against the cached latest start times.

#include <algorithm>
#include <limits>

#include "dispatch/pdptw/route.h"

namespace hotpath::dispatch::pdptw {

inline constexpr Distance kInfinity = std::numeric_limits<Distance>::infinity();

struct Insertion {
  Distance cost = kInfinity;  // added distance
  int route = -1;
  int after_p = -1;
  int after_d = -1;

  [[nodiscard]] bool valid() const { return after_p >= 0; }
};

namespace internal {

// Insertions with the pickup right after position i; returns false when visit asked to stop.
template <typename Visit>
bool InsertionsAfter(const Instance& inst, const Route& route, NodeId p, int i, Visit&& visit) {
  const auto& nd = inst.nodes;
  const auto& seq = route.nodes();
  const int last = static_cast<int>(seq.size()) - 1;
  const NodeId d = nd[p].delivery;
  const Node& np = nd[p];
  const Node& ndl = nd[d];
  const Load q = np.demand;
  const Load cap = inst.capacity;
  const Distance pd = inst.Dist(p, d);
  const NodeId a = seq[i];
  if (route.load(i) + q > cap + kTimeEps) return true;
  const Time tp = std::max(route.start(i) + nd[a].service + inst.Dist(a, p), np.ready);
  if (tp > np.due + kTimeEps) return true;
  const NodeId b = seq[i + 1];
  const Distance ap = inst.Dist(a, p);
  // Delivery right after the pickup.
  const Time td = std::max(tp + np.service + pd, ndl.ready);
  if (td <= ndl.due + kTimeEps) {
    const Time tb = std::max(td + ndl.service + inst.Dist(d, b), nd[b].ready);
    if (tb <= route.latest(i + 1) + kTimeEps) {
      if (!visit(i, i, ap + pd + inst.Dist(d, b) - inst.Dist(a, b))) return false;
    }
  }
  // Delivery after some later customer k.
  const Distance base = ap + inst.Dist(p, b) - inst.Dist(a, b);
  Time t = tp;
  NodeId prev = p;
  for (int k = i + 1; k < last; ++k) {
    const NodeId v = seq[k];
    t = std::max(t + nd[prev].service + inst.Dist(prev, v), nd[v].ready);
    // A later delivery only delays v further, so a late v rules out every k' >= k.
    if (t > route.latest(k) + kTimeEps) break;
    if (route.load(k) + q > cap + kTimeEps) break;
    if (t + nd[v].service > ndl.due + kTimeEps) break;
    const NodeId w = seq[k + 1];
    const Time tdk = std::max(t + nd[v].service + inst.Dist(v, d), ndl.ready);
    if (tdk <= ndl.due + kTimeEps) {
      const Time tw = std::max(tdk + ndl.service + inst.Dist(d, w), nd[w].ready);
      if (tw <= route.latest(k + 1) + kTimeEps) {
        if (!visit(i, k, base + inst.Dist(v, d) + inst.Dist(d, w) - inst.Dist(v, w))) return false;
      }
    }
    prev = v;
  }
  return true;
}

}  // namespace internal

// Calls visit(after_p, after_d, added_distance) for every feasible insertion of `pickup` into
// `route`. visit returns false to stop early.
template <typename Visit>
void ForEachInsertion(const Instance& inst, const Route& route, NodeId pickup, Visit&& visit) {
  const int last = static_cast<int>(route.nodes().size()) - 1;
  const Time due = inst.nodes[pickup].due;
  for (int i = 0; i < last; ++i) {
    // Service ends only grow along the route, so no later pickup slot can be on time either.
    if (route.start(i) + inst.nodes[route.nodes()[i]].service > due + kTimeEps) break;
    if (!internal::InsertionsAfter(inst, route, pickup, i, visit)) return;
  }
}

// Cheapest feasible insertion of `pickup` into `route` (route index left at -1). Pickup slots
// are tried in order of the pickup's own detour, a lower bound on the total added distance by
// the triangle inequality, so most slots are never expanded.
[[nodiscard]] Insertion BestInsertion(const Instance& inst, const Route& route, NodeId pickup);

// True when some feasible insertion exists.
[[nodiscard]] inline bool CanInsert(const Instance& inst, const Route& route, NodeId pickup) {
  bool found = false;
  ForEachInsertion(inst, route, pickup, [&](int, int, Distance) {
    found = true;
    return false;
  });
  return found;
}

}  // namespace hotpath::dispatch::pdptw
