#include "dispatch/pdptw/alns.h"

#include <array>
#include <cmath>

#include "dispatch/pdptw/destroy.h"
#include "dispatch/pdptw/local_search.h"
#include "dispatch/pdptw/repair.h"

namespace hotpath::dispatch::pdptw {
namespace {

constexpr double kVehicleWeight = 1e6;  // lexicographic: one vehicle outweighs any distance
constexpr int kDestroyOps = 3;
constexpr int kRepairOps = 3;
constexpr double kScoreBest = 33;
constexpr double kScoreBetter = 9;
constexpr double kScoreAccepted = 13;

double Objective(const Plan& plan) { return plan.Vehicles() * kVehicleWeight + plan.TotalDistance(); }

template <size_t N>
int Roulette(const std::array<double, N>& weights, Rng& rng) {
  double total = 0;
  for (double w : weights) total += w;
  double x = rng.Real() * total;
  for (size_t i = 0; i < N; ++i) {
    x -= weights[i];
    if (x < 0) return static_cast<int>(i);
  }
  return static_cast<int>(N) - 1;
}

template <size_t N>
struct Adaptive {
  std::array<double, N> weight{};
  std::array<double, N> score{};
  std::array<int, N> used{};

  Adaptive() { weight.fill(1.0); }
  void Reward(int op, double s) { score[op] += s; }
  void Update(double reaction) {
    for (size_t i = 0; i < N; ++i) {
      if (used[i] > 0) weight[i] = weight[i] * (1 - reaction) + reaction * score[i] / used[i];
      weight[i] = std::max(weight[i], 0.05);
      score[i] = 0;
      used[i] = 0;
    }
  }
};

Distance MaxDistance(const Instance& inst) {
  Distance m = 0;
  for (Distance d : inst.matrix) m = std::max(m, d);
  return m;
}

}  // namespace

Plan ImproveDistance(Plan start, const Budget& budget, const AlnsOptions& opts, Rng& rng,
                     int64_t* iterations) {
  const Instance& inst = start.instance();
  const int requests = static_cast<int>(inst.pickups.size());
  const int q_min = std::min(4, requests);
  const int q_max = std::max(q_min, std::min(opts.max_removal,
                                             static_cast<int>(opts.max_removal_fraction * requests)));
  const Distance noise = 0.025 * MaxDistance(inst);
  const int64_t first_iteration = *iterations;

  // Requests that did not fit stay in a bank (penalised) instead of failing the iteration: in
  // tightly constrained plans almost every large removal would otherwise be rejected.
  const double bank_penalty = opts.bank_penalty * MaxDistance(inst);
  Plan best = start;
  Plan cur = start;
  std::vector<NodeId> cur_bank;
  double best_obj = Objective(best);
  double cur_obj = best_obj;
  const double t0 = -opts.start_worse * start.TotalDistance() / std::log(0.5);
  Adaptive<kDestroyOps> destroy;
  Adaptive<kRepairOps> repair;
  int64_t in_segment = 0;

  while (!budget.TimeUp()) {
    if (budget.max_iterations() > 0 && *iterations >= budget.max_iterations()) break;
    ++*iterations;
    double frac = budget.Elapsed();
    if (budget.max_iterations() > 0) {
      double span = static_cast<double>(budget.max_iterations() - first_iteration);
      frac = std::max(frac, static_cast<double>(*iterations - first_iteration) / span);
    }
    const double temperature = t0 * std::pow(opts.end_temperature_ratio, frac);

    Plan cand = cur;
    const int q = rng.Int(q_min, q_max);
    const int d_op = Roulette(destroy.weight, rng);
    const int r_op = Roulette(repair.weight, rng);
    ++destroy.used[d_op];
    ++repair.used[r_op];
    std::vector<NodeId> removed;
    switch (d_op) {
      case 0: removed = RandomRemoval(cand, q, rng); break;
      case 1: removed = WorstRemoval(cand, q, rng); break;
      default: removed = ShawRemoval(cand, q, rng); break;
    }
    RepairOptions ropts;
    ropts.regret = r_op + 1;
    ropts.noise = rng.Int(0, 1) == 0 ? noise : 0.0;
    ropts.stop_at_first_failure = false;
    removed.insert(removed.end(), cur_bank.begin(), cur_bank.end());
    std::vector<NodeId> bank = RegretInsert(cand, std::move(removed), ropts, rng);
    if (bank.empty()) RelocateWithinRoutes(cand);
    {
      double obj = Objective(cand) + bank_penalty * static_cast<double>(bank.size());
      double score = 0;
      if (bank.empty() && obj < best_obj - 1e-9) {
        best = cand;
        best_obj = obj;
        score = kScoreBest;
      } else if (obj < cur_obj - 1e-9) {
        score = kScoreBetter;
      } else if (obj > cur_obj + 1e-9 && rng.Real() < std::exp((cur_obj - obj) / temperature)) {
        score = kScoreAccepted;
      }
      if (score > 0) {
        cur = std::move(cand);
        cur_obj = obj;
        cur_bank = std::move(bank);
      }
      destroy.Reward(d_op, score);
      repair.Reward(r_op, score);
    }
    if (++in_segment == opts.segment) {
      destroy.Update(opts.reaction);
      repair.Update(opts.reaction);
      in_segment = 0;
    }
  }
  best.DropEmptyRoutes();
  return best;
}

}  // namespace hotpath::dispatch::pdptw
