#include "dispatch/engine.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "dispatch/assignment_solver.h"
#include "dispatch/bundle.h"
#include "dispatch/candidate_finder.h"

namespace hotpath::dispatch {
namespace {

constexpr Cost kEps = 1e-9;
constexpr Cost kUnassignedMergeBonus = 0.01;

class Epoch {
 public:
  Epoch(const Snapshot& s, const TravelTimes& travel, const Options& opt, Deadline deadline)
      : s_(s), travel_(travel), opt_(opt), deadline_(deadline), rng_(opt.seed) {
    for (int c = 0; c < static_cast<int>(s.couriers.size()); ++c) {
      const CourierState& cs = s.couriers[static_cast<size_t>(c)];
      if (std::max(cs.free_at, s.now) <= cs.shift_end) couriers_.push_back(c);
    }
    for (int o = 0; o < static_cast<int>(s.orders.size()); ++o) {
      if (s.orders[static_cast<size_t>(o)].ready > s.now + opt.planning_horizon) {
        beyond_.push_back(o);
        continue;
      }
      bundles_.push_back(MakeBundle(s, travel, {o}));
    }
    AdaptToScarcity();
  }

  Plan Run() {
    Plan plan;
    plan.stats.scarcity = scarcity_;
    Match();
    for (int pass = 0; pass < opt_.local_search_passes; ++pass) {
      if (deadline_.Expired()) {
        plan.stats.deadline_hit = true;
        break;
      }
      const int merged = MergePass();
      plan.stats.merges += merged;
      if (merged == 0) break;
      Match();
    }
    plan.stats.bundles = static_cast<int>(bundles_.size());
    plan.stats.candidate_edges = edges_;
    Emit(plan);
    return plan;
  }

 private:
  // Estimates courier shortage and moves the effective weights toward their "scarce" values.
  void AdaptToScarcity() {
    double demand = 0;
    for (const Bundle& b : bundles_) {
      demand += static_cast<double>(b.tail + s_.service.pickup / 2 + opt_.approach_estimate);
    }
    double supply = 0;
    for (int c : couriers_) {
      const CourierState& cs = s_.couriers[static_cast<size_t>(c)];
      const TimePoint from = std::max(s_.now, cs.free_at);
      const TimePoint to = std::min(cs.shift_end, s_.now + opt_.scarcity_horizon);
      supply += static_cast<double>(std::max<TimePoint>(0, to - from));
    }
    scarcity_ = supply > 0 ? demand / supply : (demand > 0 ? 1e9 : 0.0);
    const double span = std::max(1e-9, opt_.scarcity_high - opt_.scarcity_low);
    const double f = std::clamp((scarcity_ - opt_.scarcity_low) / span, 0.0, 1.0);
    eff_.courier_time_weight =
        opt_.courier_time_weight + f * (opt_.scarce_courier_time_weight - opt_.courier_time_weight);
    eff_.freed_courier_credit = f * opt_.freed_courier_credit;  // only when couriers are short
    eff_.bundle_ready_spread = opt_.bundle_ready_spread +
                               static_cast<Seconds>(f * static_cast<double>(opt_.scarce_bundle_ready_spread -
                                                                            opt_.bundle_ready_spread));
  }

  std::optional<Cost> CostOf(const Bundle& b, int courier, BundleTiming* timing = nullptr) const {
    return finder_->CostOf(b, courier, timing);
  }

  // Leaving a bundle unserved costs a base penalty plus its orders' waiting so far, weighted, so that the
  // matching never starves old orders in favour of new ones (their click-to-door is larger).
  Cost UnassignedCost(const Bundle& b) const {
    Cost waited = 0;
    for (int o : b.orders) waited += static_cast<Cost>(s_.now - s_.orders[static_cast<size_t>(o)].placed);
    // The per-minute weight exceeds what a minute of delay adds to any assignment's cost, so an order
    // never becomes "not worth serving" by waiting.
    const double per_minute = 1.0 + opt_.lateness_weight + opt_.freshness_weight + opt_.age_weight;
    return opt_.unassigned_cost * static_cast<Cost>(b.orders.size()) +
           per_minute * waited / static_cast<Cost>(kMinute);
  }

  // Exact min-cost assignment of the current bundles to their candidate couriers. Candidate lists are
  // cached per bundle; merged bundles get fresh ones.
  void Match() {
    if (!finder_) finder_.emplace(s_, travel_, eff_, couriers_);
    const int n = static_cast<int>(bundles_.size());
    cands_.resize(bundles_.size());
    fresh_.resize(bundles_.size(), 0);
    AssignmentProblem problem(n, static_cast<int>(s_.couriers.size()));
    edges_ = 0;
    const int k = std::clamp(opt_.candidate_edge_budget / std::max(1, n), opt_.min_candidates_per_bundle,
                             std::max(opt_.min_candidates_per_bundle, opt_.candidates_per_bundle));
    for (int b = 0; b < n; ++b) {
      const Bundle& bundle = bundles_[static_cast<size_t>(b)];
      if (!fresh_[static_cast<size_t>(b)]) {
        cands_[static_cast<size_t>(b)] = finder_->Find(bundle, k);
        fresh_[static_cast<size_t>(b)] = 1;
      }
      for (const Candidate& cand : cands_[static_cast<size_t>(b)]) {
        problem.AddEdge(b, cand.courier, cand.cost);
        ++edges_;
      }
      problem.SetUnassignedCost(b, UnassignedCost(bundle));
    }
    courier_of_ = problem.Solve().column_of_row;
  }

  Cost CurrentCost(int b) const {
    const int c = courier_of_[static_cast<size_t>(b)];
    if (c < 0) return UnassignedCost(bundles_[static_cast<size_t>(b)]);
    return *CostOf(bundles_[static_cast<size_t>(b)], c);
  }

  bool Compatible(const Bundle& a, const Bundle& b) const {
    if (a.restaurant != b.restaurant) return false;
    if (static_cast<int>(a.orders.size() + b.orders.size()) > opt_.max_bundle_size) return false;
    TimePoint lo = a.ready, hi = a.ready;
    for (const Bundle* x : {&a, &b}) {
      for (int o : x->orders) {
        lo = std::min(lo, s_.orders[static_cast<size_t>(o)].ready);
        hi = std::max(hi, s_.orders[static_cast<size_t>(o)].ready);
      }
    }
    return hi - lo <= eff_.bundle_ready_spread;
  }

  // One pass of pairwise merges within each restaurant; returns the number of merges accepted.
  int MergePass() {
    std::unordered_map<RestaurantId, std::vector<int>> by_restaurant;
    for (int b = 0; b < static_cast<int>(bundles_.size()); ++b) {
      by_restaurant[bundles_[static_cast<size_t>(b)].restaurant].push_back(b);
    }
    std::vector<RestaurantId> keys;
    for (auto& [r, list] : by_restaurant) {
      if (list.size() > 1) keys.push_back(r);
    }
    std::sort(keys.begin(), keys.end());
    std::shuffle(keys.begin(), keys.end(), rng_);
    std::vector<char> dead(bundles_.size(), 0);
    // Reverse candidate index, to value a courier that a merge frees: the best saving it offers to some
    // other bundle (one-step lookahead; the re-match that follows realises it).
    std::vector<std::vector<Candidate>> by_courier(s_.couriers.size());
    std::vector<Cost> current(bundles_.size());
    for (size_t x = 0; x < bundles_.size(); ++x) {
      current[x] = CurrentCost(static_cast<int>(x));
      for (const Candidate& cand : cands_[x]) {
        by_courier[static_cast<size_t>(cand.courier)].push_back({static_cast<int>(x), cand.cost});
      }
    }
    auto freed_value = [&](int c, int a, int b) {
      if (c < 0 || eff_.freed_courier_credit <= 0) return Cost{0};
      Cost best = 0;
      for (const Candidate& e : by_courier[static_cast<size_t>(c)]) {
        const int x = e.courier;  // here: the bundle index
        if (x == a || x == b || dead[static_cast<size_t>(x)]) continue;
        best = std::max(best, current[static_cast<size_t>(x)] - e.cost);
      }
      return eff_.freed_courier_credit * best;
    };
    int merges = 0;
    for (RestaurantId r : keys) {
      if (deadline_.Expired()) break;
      auto& list = by_restaurant[r];
      bool improved = true;
      while (improved) {
        improved = false;
        Cost best_delta = -kEps;
        int best_a = -1, best_b = -1, best_c = -1;
        Bundle best_union;
        for (size_t i = 0; i < list.size(); ++i) {
          const int a = list[i];
          if (dead[static_cast<size_t>(a)]) continue;
          for (size_t j = i + 1; j < list.size(); ++j) {
            const int b = list[j];
            if (dead[static_cast<size_t>(b)]) continue;
            const Bundle& ba = bundles_[static_cast<size_t>(a)];
            const Bundle& bb = bundles_[static_cast<size_t>(b)];
            if (!Compatible(ba, bb)) continue;
            std::vector<int> merged = ba.orders;
            merged.insert(merged.end(), bb.orders.begin(), bb.orders.end());
            Bundle u = MakeBundle(s_, travel_, merged);
            const Cost before = CurrentCost(a) + CurrentCost(b);
            const int ca = courier_of_[static_cast<size_t>(a)], cb = courier_of_[static_cast<size_t>(b)];
            if (ca < 0 && cb < 0) {
              // Neither has a courier now: merging halves the couriers they will need.
              const Cost delta = -opt_.unassigned_cost * kUnassignedMergeBonus;
              if (delta < best_delta) {
                best_delta = delta;
                best_a = a;
                best_b = b;
                best_c = -1;
                best_union = u;
              }
              continue;
            }
            for (int c : {ca, cb}) {
              const auto after = c < 0 ? std::optional<Cost>(UnassignedCost(u)) : CostOf(u, c);
              if (!after) continue;
              const Cost delta = *after - before - freed_value(c == ca ? cb : ca, a, b);
              if (delta < best_delta) {
                best_delta = delta;
                best_a = a;
                best_b = b;
                best_c = c;
                best_union = u;
              }
            }
          }
        }
        if (best_a >= 0) {
          bundles_[static_cast<size_t>(best_a)] = std::move(best_union);
          fresh_[static_cast<size_t>(best_a)] = 0;
          courier_of_[static_cast<size_t>(best_a)] = best_c;
          courier_of_[static_cast<size_t>(best_b)] = -1;
          dead[static_cast<size_t>(best_b)] = 1;
          current[static_cast<size_t>(best_a)] = CurrentCost(best_a);
          ++merges;
          improved = true;
        }
      }
    }
    if (merges > 0) {
      std::vector<Bundle> kept;
      std::vector<std::vector<Candidate>> kept_cands;
      std::vector<char> kept_fresh;
      for (size_t b = 0; b < bundles_.size(); ++b) {
        if (dead[b]) continue;
        kept.push_back(std::move(bundles_[b]));
        kept_cands.push_back(std::move(cands_[b]));
        kept_fresh.push_back(fresh_[b]);
      }
      bundles_ = std::move(kept);
      cands_ = std::move(kept_cands);
      fresh_ = std::move(kept_fresh);
    }
    return merges;
  }

  Assignment MakeAssignment(const Bundle& b, int courier, const BundleTiming& t, Cost cost) const {
    const CourierState& c = s_.couriers[static_cast<size_t>(courier)];
    Assignment a;
    a.courier = c.id;
    a.restaurant = b.restaurant;
    a.depart = t.depart;
    a.arrive_restaurant = t.arrive;
    a.pickup = t.pickup;
    for (size_t k = 0; k < b.orders.size(); ++k) {
      a.orders.push_back(s_.orders[static_cast<size_t>(b.orders[k])].id);
      a.dropoffs.push_back(t.pickup + b.offsets[k]);
    }
    a.free_at = t.pickup + b.tail;
    a.end_position = s_.orders[static_cast<size_t>(b.orders.back())].dropoff;
    a.cost = cost;
    return a;
  }

  void Emit(Plan& plan) const {
    for (int o : beyond_) {
      plan.postponed.push_back({s_.orders[static_cast<size_t>(o)].id, "ready beyond the planning horizon"});
    }
    for (size_t bi = 0; bi < bundles_.size(); ++bi) {
      const Bundle& b = bundles_[bi];
      const int c = courier_of_[bi];
      if (c < 0) {
        for (int o : b.orders) {
          plan.postponed.push_back({s_.orders[static_cast<size_t>(o)].id, "no feasible courier this epoch"});
        }
        continue;
      }
      BundleTiming t;
      const Cost cost = *CostOf(b, c, &t);
      Assignment a = MakeAssignment(b, c, t, cost);
      const CourierState& cs = s_.couriers[static_cast<size_t>(c)];
      const bool idle = cs.free_at <= s_.now;
      const bool urgent = t.latest_depart < s_.now + opt_.commit_lead;
      const std::string size =
          b.orders.size() > 1 ? "bundle of " + std::to_string(b.orders.size()) : "single order";
      if (idle && urgent) {
        a.reason = size + ": best courier in min-cost matching, must leave now to pick up at ready time";
        plan.committed.push_back(std::move(a));
        continue;
      }
      a.reason = idle ? size + ": postponed, courier can still leave later and arrive by ready time"
                      : size + ": postponed, waiting for best courier to finish its current route";
      for (int o : b.orders) plan.postponed.push_back({s_.orders[static_cast<size_t>(o)].id, a.reason});
      plan.tentative.push_back(std::move(a));
    }
  }

  const Snapshot& s_;
  const TravelTimes& travel_;
  const Options& opt_;
  Options eff_ = opt_;  // options after adapting to courier shortage
  double scarcity_ = 0;
  Deadline deadline_;
  std::mt19937_64 rng_;
  std::vector<int> couriers_;  // indices of couriers that can still pick up
  std::vector<Bundle> bundles_;
  std::vector<int> beyond_;      // orders ready after the planning horizon: not planned this epoch
  std::vector<int> courier_of_;  // per bundle, courier index or -1
  std::optional<CandidateFinder> finder_;
  std::vector<std::vector<Candidate>> cands_;  // per bundle
  std::vector<char> fresh_;                    // per bundle: cands_ is up to date
  int edges_ = 0;
};

}  // namespace

Plan Solve(const Snapshot& snapshot, const TravelTimes& travel, const Options& options, Deadline deadline) {
  const auto started = std::chrono::steady_clock::now();
  Plan plan = Epoch(snapshot, travel, options, deadline).Run();
  plan.stats.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return plan;
}

}  // namespace hotpath::dispatch
