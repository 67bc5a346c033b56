#include "dispatch/pdptw/insertion.h"

#include <vector>

namespace hotpath::dispatch::pdptw {

Insertion BestInsertion(const Instance& inst, const Route& route, NodeId pickup) {
  const auto& seq = route.nodes();
  const int last = static_cast<int>(seq.size()) - 1;
  const Node& np = inst.nodes[pickup];
  thread_local std::vector<std::pair<Distance, int>> slots;
  slots.clear();
  for (int i = 0; i < last; ++i) {
    const NodeId a = seq[i];
    if (route.start(i) + inst.nodes[a].service > np.due + kTimeEps) break;
    if (route.load(i) + np.demand > inst.capacity + kTimeEps) continue;
    if (route.start(i) + inst.nodes[a].service + inst.Dist(a, pickup) > np.due + kTimeEps) continue;
    const NodeId b = seq[i + 1];
    slots.emplace_back(inst.Dist(a, pickup) + inst.Dist(pickup, b) - inst.Dist(a, b), i);
  }
  std::sort(slots.begin(), slots.end());
  Insertion best;
  for (const auto& [bound, i] : slots) {
    if (bound >= best.cost) break;
    internal::InsertionsAfter(inst, route, pickup, i, [&](int pi, int dj, Distance cost) {
      if (cost < best.cost) best = Insertion{cost, -1, pi, dj};
      return true;
    });
  }
  return best;
}

}  // namespace hotpath::dispatch::pdptw
