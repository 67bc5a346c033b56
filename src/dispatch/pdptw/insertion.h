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

// Calls visit(after_p, after_d, added_distance) for every feasible insertion of `pickup` into
// `route`. visit returns false to stop early.
template <typename Visit>
void ForEachInsertion(const Instance& inst, const Route& route, NodeId pickup, Visit&& visit) {
  const auto& nd = inst.nodes;
  const auto& seq = route.nodes();
  const int last = static_cast<int>(seq.size()) - 1;
  const NodeId p = pickup;
  const NodeId d = nd[p].delivery;
  const Node& np = nd[p];
  const Node& ndl = nd[d];
  const Load q = np.demand;
  const Load cap = inst.capacity;
  const Distance pd = inst.Dist(p, d);
  for (int i = 0; i < last; ++i) {
    const NodeId a = seq[i];
    if (route.start(i) + nd[a].service > np.due + kTimeEps) break;  // starts only grow along the route
    if (route.load(i) + q > cap + kTimeEps) continue;
    const Time tp = std::max(route.start(i) + nd[a].service + inst.Dist(a, p), np.ready);
    if (tp > np.due + kTimeEps) continue;
    const NodeId b = seq[i + 1];
    const Distance ap = inst.Dist(a, p);
    // Delivery right after the pickup.
    const Time td = std::max(tp + np.service + pd, ndl.ready);
    if (td <= ndl.due + kTimeEps) {
      const Time tb = std::max(td + ndl.service + inst.Dist(d, b), nd[b].ready);
      if (tb <= route.latest(i + 1) + kTimeEps) {
        if (!visit(i, i, ap + pd + inst.Dist(d, b) - inst.Dist(a, b))) return;
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
          if (!visit(i, k, base + inst.Dist(v, d) + inst.Dist(d, w) - inst.Dist(v, w))) return;
        }
      }
      prev = v;
    }
  }
}

// Cheapest feasible insertion of `pickup` into `route` (route index left at -1).
[[nodiscard]] inline Insertion BestInsertion(const Instance& inst, const Route& route, NodeId pickup) {
  Insertion best;
  ForEachInsertion(inst, route, pickup, [&](int i, int j, Distance cost) {
    if (cost < best.cost) best = Insertion{cost, -1, i, j};
    return true;
  });
  return best;
}

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
