#include "dispatch/mdrp/replay.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "dispatch/engine.h"
#include "dispatch/reposition.h"
#include "dispatch/travel_times.h"

namespace hotpath::dispatch::mdrp {
namespace {

struct CourierRun {
  Place place;
  Point position;
  TimePoint free_at = 0;
  int orders = 0;
  double guaranteed_orders = 0;  // orders below which the courier is paid the hourly guarantee
  std::vector<int> visited;      // restaurants reached by repositioning moves since the last pickup
};

class Replayer {
 public:
  Replayer(const Instance& inst, const ReplayOptions& opt)
      : inst_(inst), opt_(opt), travel_(inst.parameters.metres_per_minute), sites_(SiteLocations(inst), travel_) {
    const auto& p = inst.parameters;
    for (const Courier& c : inst.couriers) {
      const double hours = static_cast<double>(c.off - c.on) / 3600.0;
      const double guaranteed = p.pay_per_order > 0 ? p.pay_per_hour * hours / p.pay_per_order : 0;
      runs_.push_back({Place{}, c.start, c.on, 0, guaranteed, {}});
    }
    by_placement_.resize(inst.orders.size());
    for (size_t i = 0; i < inst.orders.size(); ++i) by_placement_[i] = static_cast<int>(i);
    std::stable_sort(by_placement_.begin(), by_placement_.end(), [&](int a, int b) {
      return inst.orders[static_cast<size_t>(a)].placed < inst.orders[static_cast<size_t>(b)].placed;
    });
  }

  ReplayResult Run() {
    ReplayResult result;
    if (inst_.orders.empty() || inst_.couriers.empty()) return result;
    TimePoint start = inst_.orders[static_cast<size_t>(by_placement_.front())].placed;
    TimePoint last_off = 0;
    for (const Courier& c : inst_.couriers) {
      start = std::min(start, c.on);
      last_off = std::max(last_off, c.off);
    }
    start -= ((start % opt_.epoch) + opt_.epoch) % opt_.epoch;
    size_t next_order = 0;
    std::vector<int> open;
    for (TimePoint now = start; now <= last_off; now += opt_.epoch) {
      while (next_order < by_placement_.size() &&
             inst_.orders[static_cast<size_t>(by_placement_[next_order])].placed <= now) {
        open.push_back(by_placement_[next_order++]);
      }
      if (open.empty() && next_order == by_placement_.size()) break;
      if (open.empty() && !opt_.reposition) continue;
      // One decision step: the engine on the open orders, then repositioning of the idle couriers.
      const auto wall = std::chrono::steady_clock::now();
      const double cpu = ThreadCpuMs();
      if (!open.empty()) {
        Epoch(now, open, result);
      } else {
        Reposition(now, std::vector<char>(inst_.couriers.size(), 0), result.solution);
      }
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall).count();
      auto& st = result.stats;
      st.max_epoch_ms = std::max(st.max_epoch_ms, ms);
      st.max_epoch_cpu_ms = std::max(st.max_epoch_cpu_ms, ThreadCpuMs() - cpu);
      st.total_solve_ms += ms;
    }
    return result;
  }

  // CPU time of this thread: an epoch's own cost, whatever else runs on the machine.
  static double ThreadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }

 private:
  void Epoch(TimePoint now, std::vector<int>& open, ReplayResult& result) {
    const auto& p = inst_.parameters;
    Snapshot s;
    s.now = now;
    s.service = {p.pickup_service, p.dropoff_service};
    for (int o : open) {
      const Order& ord = inst_.orders[static_cast<size_t>(o)];
      const Restaurant& r = inst_.restaurants[static_cast<size_t>(ord.restaurant)];
      s.orders.push_back({o, ord.restaurant, r.location, ord.dropoff, ord.placed, ord.ready,
                          ord.placed + p.target_click_to_door});
    }
    for (size_t c = 0; c < inst_.couriers.size(); ++c) {
      const Courier& cr = inst_.couriers[c];
      const CourierRun& run = runs_[c];
      // A scheduled courier is planned for (never committed) from schedule_lookahead before its shift.
      if (cr.on > now + opt_.schedule_lookahead || std::max(now, run.free_at) > cr.off) continue;
      const bool above = run.orders + 1 > run.guaranteed_orders;
      CourierState cs{static_cast<CourierId>(c), run.position, run.free_at, cr.off,
                      above ? opt_.money_weight * p.pay_per_order : 0.0};
      cs.no_pickup_at.assign(run.visited.begin(), run.visited.end());
      s.couriers.push_back(cs);
    }
    if (s.couriers.empty()) return;
    const Plan plan = Solve(s, travel_, opt_.engine, Deadline::After(opt_.epoch_budget));
    auto& st = result.stats;
    ++st.epochs;
    st.deadline_hits += plan.stats.deadline_hit ? 1 : 0;
    std::vector<char> planned(inst_.couriers.size(), 0);
    if (!plan.committed.empty()) {
      std::vector<char> taken(inst_.orders.size(), 0);
      for (const Assignment& a : plan.committed) {
        Execute(now, a, result.solution);
        planned[static_cast<size_t>(a.courier)] = 1;
        for (OrderId o : a.orders) taken[static_cast<size_t>(o)] = 1;
      }
      std::erase_if(open, [&](int o) { return taken[static_cast<size_t>(o)] != 0; });
    }
    for (const Assignment& a : plan.tentative) planned[static_cast<size_t>(a.courier)] = 1;
    if (opt_.reposition) Reposition(now, planned, result.solution);
  }

  // Demand weight of each restaurant: its orders placed within the last demand_window (known now), plus a
  // small prior so that never-seen restaurants still count a little.
  void Reposition(TimePoint now, const std::vector<char>& planned, Solution& sol) {
    std::vector<DemandSite> sites(inst_.restaurants.size());
    for (size_t r = 0; r < sites.size(); ++r) {
      sites[r] = {static_cast<RestaurantId>(r), inst_.restaurants[r].location, opt_.demand_prior};
    }
    while (demand_head_ < by_placement_.size() &&
           inst_.orders[static_cast<size_t>(by_placement_[demand_head_])].placed <= now) {
      ++demand_head_;
    }
    while (demand_tail_ < demand_head_ &&
           inst_.orders[static_cast<size_t>(by_placement_[demand_tail_])].placed <= now - opt_.demand_window) {
      ++demand_tail_;
    }
    for (size_t k = demand_tail_; k < demand_head_; ++k) {
      sites[static_cast<size_t>(inst_.orders[static_cast<size_t>(by_placement_[k])].restaurant)].weight += 1.0;
    }
    std::vector<CoverageCourier> couriers;
    for (size_t c = 0; c < inst_.couriers.size(); ++c) {
      const Courier& cr = inst_.couriers[c];
      const CourierRun& run = runs_[c];
      if (cr.on > now || std::max(now, run.free_at) > cr.off) continue;
      CoverageCourier cc{static_cast<CourierId>(c), run.position, run.free_at, false, run.visited};
      cc.movable = run.free_at <= now && !planned[c] && cr.off - now >= opt_.reposition_min_shift_left;
      couriers.push_back(cc);
    }
    for (const RepositionMove& m : PlanRepositioning(now, sites, sites_, couriers, travel_, opt_.repositioning)) {
      const auto c = static_cast<size_t>(m.courier);
      CourierRun& run = runs_[c];
      const Place to{Place::Kind::kRestaurant, m.site};
      sol.moves.push_back({static_cast<int>(c), now, run.place, to});
      run.place = to;
      run.position = inst_.restaurants[static_cast<size_t>(m.site)].location;
      run.free_at = now + m.travel;
      run.visited.push_back(m.site);
    }
  }

  static std::vector<Point> SiteLocations(const Instance& inst) {
    std::vector<Point> v;
    for (const Restaurant& r : inst.restaurants) v.push_back(r.location);
    return v;
  }

  void Execute(TimePoint now, const Assignment& a, Solution& sol) {
    const auto c = static_cast<int>(a.courier);
    CourierRun& run = runs_[static_cast<size_t>(c)];
    const auto& p = inst_.parameters;
    AssignmentRecord rec{now, a.pickup, c, {}};
    const Place restaurant{Place::Kind::kRestaurant, static_cast<int>(a.restaurant)};
    sol.moves.push_back({c, a.depart, run.place, restaurant});
    run.visited.clear();
    Place at = restaurant;
    TimePoint leave = a.pickup + (p.pickup_service - p.pickup_service / 2);
    for (size_t k = 0; k < a.orders.size(); ++k) {
      const int o = static_cast<int>(a.orders[k]);
      rec.orders.push_back(o);
      const Place dest{Place::Kind::kOrder, o};
      sol.moves.push_back({c, leave, at, dest});
      sol.deliveries.push_back({o, a.pickup, a.dropoffs[k], c});
      leave = a.dropoffs[k] + (p.dropoff_service - p.dropoff_service / 2);
      at = dest;
    }
    sol.assignments.push_back(std::move(rec));
    run.place = at;
    run.position = a.end_position;
    run.free_at = a.free_at;
    run.orders += static_cast<int>(a.orders.size());
  }

  const Instance& inst_;
  const ReplayOptions& opt_;
  StraightLineTravelTimes travel_;
  SiteTimes sites_;
  std::vector<CourierRun> runs_;
  std::vector<int> by_placement_;
  size_t demand_head_ = 0, demand_tail_ = 0;  // by_placement_ window of the demand estimate
};

}  // namespace

ReplayResult Replay(const Instance& instance, const ReplayOptions& options) {
  return Replayer(instance, options).Run();
}

}  // namespace hotpath::dispatch::mdrp
