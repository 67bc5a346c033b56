#include "dispatch/pdptw/local_search.h"

#include <algorithm>
#include <vector>

namespace hotpath::dispatch::pdptw {
namespace {

// Time-window and capacity feasibility of a depot-to-depot sequence.
bool Feasible(const Instance& inst, const std::vector<NodeId>& seq) {
  const auto& nd = inst.nodes;
  Time t = nd[0].ready;
  Load load = 0;
  for (size_t k = 1; k < seq.size(); ++k) {
    NodeId a = seq[k - 1];
    NodeId b = seq[k];
    t = std::max(t + nd[a].service + inst.Dist(a, b), nd[b].ready);
    if (t > nd[b].due + kTimeEps) return false;
    load += nd[b].demand;
    if (load > inst.capacity + kTimeEps) return false;
  }
  return true;
}

// One first-improvement pass; returns true when a move was applied to `seq`.
bool OnePass(const Instance& inst, std::vector<NodeId>& seq) {
  const int n = static_cast<int>(seq.size());
  std::vector<NodeId> trial;
  for (int a = 1; a < n - 1; ++a) {
    const NodeId v = seq[a];
    const NodeId prev = seq[a - 1];
    const NodeId next = seq[a + 1];
    const Distance saving = inst.Dist(prev, v) + inst.Dist(v, next) - inst.Dist(prev, next);
    // Allowed range after removal: a pickup stays before its delivery, a delivery after its pickup.
    const NodeId sibling = inst.nodes[v].delivery != 0 ? inst.nodes[v].delivery : inst.nodes[v].pickup;
    int sib_pos = static_cast<int>(std::find(seq.begin(), seq.end(), sibling) - seq.begin());
    const bool is_pickup = inst.nodes[v].delivery != 0;
    // Positions b index the gap between seq[b-1] and seq[b] of the original sequence (b != a, a+1).
    const int lo = is_pickup ? 1 : sib_pos + 1;
    const int hi = is_pickup ? sib_pos : n - 1;
    for (int b = lo; b <= hi; ++b) {
      if (b == a || b == a + 1) continue;
      const NodeId x = seq[b - 1];
      const NodeId y = seq[b];
      const Distance added = inst.Dist(x, v) + inst.Dist(v, y) - inst.Dist(x, y);
      if (added >= saving - 1e-9) continue;
      trial = seq;
      trial.erase(trial.begin() + a);
      trial.insert(trial.begin() + (b > a ? b - 1 : b), v);
      if (Feasible(inst, trial)) {
        seq.swap(trial);
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool RelocateWithinRoute(Plan& plan, int r) {
  const Instance& inst = plan.instance();
  std::vector<NodeId> seq = plan.route(r).nodes();
  bool improved = false;
  while (OnePass(inst, seq)) improved = true;
  if (improved) plan.SetSequence(r, std::vector<NodeId>(seq.begin() + 1, seq.end() - 1));
  return improved;
}

bool RelocateWithinRoutes(Plan& plan) {
  bool any = false;
  for (int r = 0; r < plan.num_routes(); ++r) any = RelocateWithinRoute(plan, r) || any;
  return any;
}

}  // namespace hotpath::dispatch::pdptw
