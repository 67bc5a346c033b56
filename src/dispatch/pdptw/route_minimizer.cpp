#include "dispatch/pdptw/route_minimizer.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace hotpath::dispatch::pdptw {
namespace {

// Uniformly random feasible insertion of `pickup` anywhere in the plan (reservoir sampling).
Insertion RandomFeasibleInsertion(const Plan& plan, NodeId pickup, int skip_route, Rng& rng) {
  Insertion pick;
  int seen = 0;
  for (int r = 0; r < plan.num_routes(); ++r) {
    if (r == skip_route) continue;
    ForEachInsertion(plan.instance(), plan.route(r), pickup, [&](int i, int j, Distance cost) {
      if (rng.Int(0, seen++) == 0) pick = Insertion{cost, r, i, j};
      return true;
    });
  }
  return pick;
}

class GuidedEjection {
 public:
  GuidedEjection(Plan& plan, const RouteMinOptions& opts, Rng& rng)
      : plan_(plan), opts_(opts), rng_(rng), penalty_(plan.instance().size(), 1) {}

  // Ejects the cheapest (by failure counters) set of requests that lets `h` in, inserts `h` and
  // returns the ejected requests. Returns false when no set of <= max_ejections requests helps.
  bool EjectAndInsert(NodeId h, std::vector<NodeId>* ejected) {
    ++penalty_[h];
    best_psum_ = std::numeric_limits<int64_t>::max();
    best_route_ = -1;
    std::vector<int> order(plan_.num_routes());
    std::iota(order.begin(), order.end(), 0);
    rng_.Shuffle(order.begin(), order.end());
    for (int r : order) {
      auto requests = plan_.Requests(r);
      rng_.Shuffle(requests.begin(), requests.end());
      std::vector<NodeId> chosen;
      Search(h, r, plan_.route(r), requests, 0, 0, &chosen);
    }
    if (best_route_ < 0) return false;
    for (NodeId p : best_set_) plan_.Remove(p);
    Insertion ins = BestInsertion(plan_.instance(), plan_.route(best_route_), h);
    ins.route = best_route_;
    plan_.Insert(h, ins);
    *ejected = best_set_;
    return true;
  }

  // Random feasible relocations and exchanges that keep the plan feasible (diversification).
  void Perturb(int moves) {
    for (int m = 0; m < moves; ++m) {
      if (rng_.Int(0, 1) == 0) {
        Relocate();
      } else {
        Exchange();
      }
    }
  }

 private:
  // Depth-first enumeration of ejection sets in route r, pruned by the best Psum so far.
  void Search(NodeId h, int r, const Route& route, const std::vector<NodeId>& requests, size_t from,
              int64_t psum, std::vector<NodeId>* chosen) {
    if (!chosen->empty()) {
      if (CanInsert(plan_.instance(), route, h)) {
        best_psum_ = psum;
        best_route_ = r;
        best_set_ = *chosen;
        return;  // supersets only cost more
      }
    }
    if (static_cast<int>(chosen->size()) >= opts_.max_ejections) return;
    for (size_t k = from; k < requests.size(); ++k) {
      int64_t next = psum + penalty_[requests[k]];
      if (next >= best_psum_) continue;
      Route smaller = route;
      smaller.Remove(requests[k]);
      chosen->push_back(requests[k]);
      Search(h, r, smaller, requests, k + 1, next, chosen);
      chosen->pop_back();
    }
  }

  int RandomNonEmptyRoute() {
    int r = rng_.Int(0, plan_.num_routes() - 1);
    for (int t = 0; t < plan_.num_routes() && plan_.route(r).empty(); ++t) r = (r + 1) % plan_.num_routes();
    return plan_.route(r).empty() ? -1 : r;
  }

  NodeId RandomRequest(int r) {
    auto req = plan_.Requests(r);
    return req[rng_.Int(0, static_cast<int>(req.size()) - 1)];
  }

  void Relocate() {
    int r = RandomNonEmptyRoute();
    if (r < 0) return;
    NodeId p = RandomRequest(r);
    Insertion ins = RandomFeasibleInsertion(plan_, p, r, rng_);
    if (!ins.valid()) return;
    plan_.Remove(p);
    plan_.Insert(p, ins);  // other routes are unchanged by the removal
  }

  void Exchange() {
    int ra = RandomNonEmptyRoute();
    int rb = RandomNonEmptyRoute();
    if (ra < 0 || rb < 0 || ra == rb) return;
    NodeId a = RandomRequest(ra);
    NodeId b = RandomRequest(rb);
    Route route_a = plan_.route(ra);
    Route route_b = plan_.route(rb);
    route_a.Remove(a);
    route_b.Remove(b);
    Insertion ia = BestInsertion(plan_.instance(), route_b, a);
    if (!ia.valid()) return;
    Insertion ib = BestInsertion(plan_.instance(), route_a, b);
    if (!ib.valid()) return;
    plan_.Remove(a);
    plan_.Remove(b);
    ia.route = rb;
    ib.route = ra;
    plan_.Insert(a, ia);
    plan_.Insert(b, ib);
  }

  Plan& plan_;
  const RouteMinOptions& opts_;
  Rng& rng_;
  std::vector<int64_t> penalty_;
  int64_t best_psum_ = 0;
  int best_route_ = -1;
  std::vector<NodeId> best_set_;
};

bool Stop(const Budget& budget, int64_t iterations) {
  return budget.TimeUp() || (budget.max_iterations() > 0 && iterations >= budget.max_iterations());
}

}  // namespace

Plan MinimizeRoutes(Plan start, const Budget& budget, const RouteMinOptions& opts, Rng& rng,
                    int64_t* iterations) {
  start.DropEmptyRoutes();
  Plan best = start;
  while (best.Vehicles() > opts.min_vehicles && !Stop(budget, *iterations)) {
    Plan cur = best;
    std::vector<NodeId> pool = cur.ClearRoute(rng.Int(0, cur.num_routes() - 1));
    cur.DropEmptyRoutes();
    GuidedEjection ges(cur, opts, rng);
    while (!pool.empty() && !Stop(budget, *iterations)) {
      ++*iterations;
      NodeId h = pool.back();
      pool.pop_back();
      // Cheapest insertion keeps the plan short for the distance phase that follows.
      Insertion ins;
      for (int r = 0; r < cur.num_routes(); ++r) {
        Insertion cand = BestInsertion(cur.instance(), cur.route(r), h);
        if (cand.cost < ins.cost) ins = Insertion{cand.cost, r, cand.after_p, cand.after_d};
      }
      if (ins.valid()) {
        cur.Insert(h, ins);
        continue;
      }
      std::vector<NodeId> ejected;
      if (ges.EjectAndInsert(h, &ejected)) {
        pool.insert(pool.end(), ejected.begin(), ejected.end());
      } else {
        pool.insert(pool.begin(), h);
      }
      ges.Perturb(opts.perturb_moves);
    }
    if (!pool.empty()) break;  // out of budget: the last complete plan stands
    best = std::move(cur);
  }
  return best;
}

}  // namespace hotpath::dispatch::pdptw
