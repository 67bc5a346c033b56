#include "dispatch/pdptw/solver.h"

#include <cmath>
#include <thread>
#include <vector>

#include "dispatch/pdptw/alns.h"
#include "dispatch/pdptw/budget.h"
#include "dispatch/pdptw/plan.h"
#include "dispatch/pdptw/repair.h"
#include "dispatch/pdptw/route_minimizer.h"

namespace hotpath::dispatch::pdptw {
namespace {

struct ThreadResult {
  Plan plan;
  SolveStats stats;
};

// Vehicles needed by capacity alone.
int CapacityBound(const Instance& inst) {
  Load total = 0;
  for (NodeId p : inst.pickups) total += inst.nodes[p].demand;
  return std::max(1, static_cast<int>(std::ceil(total / inst.capacity - 1e-9)));
}

Plan Construct(const Instance& inst, Rng& rng) {
  Plan plan(&inst, 0);
  RepairOptions opts;
  opts.regret = 2;
  opts.allow_new_routes = true;
  std::vector<NodeId> all = inst.pickups;
  rng.Shuffle(all.begin(), all.end());
  auto left = RegretInsert(plan, std::move(all), opts, rng);
  (void)left;  // empty: every request fits an empty route (checked when the instance was loaded)
  plan.DropEmptyRoutes();
  return plan;
}

ThreadResult SearchOne(const Instance& inst, const SolveOptions& opts, const Budget& budget, uint64_t seed) {
  ThreadResult out;
  Rng rng(seed);
  Plan plan = Construct(inst, rng);
  out.stats.initial_vehicles = plan.Vehicles();

  RouteMinOptions rm;
  rm.min_vehicles = CapacityBound(inst);
  Budget route_budget = budget.Until(opts.route_phase_fraction, opts.max_iterations);
  plan = MinimizeRoutes(std::move(plan), route_budget, rm, rng, &out.stats.route_iterations);

  // The ALNS cools down over its own span, so its budget starts now.
  Budget alns_budget(Budget::Clock::now(), budget.deadline(), opts.max_iterations);
  plan = ImproveDistance(std::move(plan), alns_budget, AlnsOptions{}, rng, &out.stats.alns_iterations);
  out.plan = std::move(plan);
  return out;
}

}  // namespace

Solution Solve(const Instance& inst, const SolveOptions& opts, SolveStats* stats) {
  // Keep a margin for writing the solution: the caller's limit is a hard one.
  auto limit = std::chrono::duration_cast<Budget::Clock::duration>(opts.time_limit * 0.97) -
               std::chrono::milliseconds(30);
  if (limit < Budget::Clock::duration::zero()) limit = Budget::Clock::duration::zero();
  Budget budget(opts.start, opts.start + limit, opts.max_iterations);

  const int threads = std::max(1, opts.threads);
  std::vector<ThreadResult> results(threads);
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) {
    workers.emplace_back([&, t] { results[t] = SearchOne(inst, opts, budget, opts.seed + t); });
  }
  results[0] = SearchOne(inst, opts, budget, opts.seed);
  for (auto& w : workers) w.join();

  int best = 0;
  for (int t = 1; t < threads; ++t) {
    const Plan& a = results[t].plan;
    const Plan& b = results[best].plan;
    if (Better(a.Vehicles(), a.TotalDistance(), b.Vehicles(), b.TotalDistance())) best = t;
  }
  if (stats != nullptr) *stats = results[best].stats;
  return results[best].plan.ToSolution();
}

}  // namespace hotpath::dispatch::pdptw
