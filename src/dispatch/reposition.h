#pragma once
// Repositioning of idle couriers toward expected demand. Pure: a function of what the caller knows at
// `now` (idle couriers, couriers finishing routes, and a demand weight per restaurant that the caller
// derives from past orders only).
//
// Objective (coverage): sum over restaurants of weight x the time the nearest courier would need to get
// there from where it will be `lookahead` from now (a courier still on a route or a move counts the part
// left by then). Idle couriers are moved greedily, one hop to a restaurant each per call at most, while a
// move lowers that sum by at least `min_gain` per minute of the hop. A moved courier cannot be diverted
// before it arrives, so hops are short; called every epoch, a courier can drift further hop by hop.

#include <cstddef>
#include <vector>

#include "dispatch/travel_times.h"
#include "dispatch/types.h"

namespace hotpath::dispatch {

struct DemandSite {
  RestaurantId restaurant = 0;
  Point location;
  double weight = 0;  // expected orders (any unit; only ratios and min_gain matter)
};

struct CoverageCourier {
  CourierId id = 0;
  Point position;
  TimePoint free_at = 0;   // <= now when idle
  bool movable = false;    // idle, unplanned, enough shift left: may be sent elsewhere
  std::vector<int> blocked_sites;  // sites it cannot serve next (see CourierState::no_pickup_at)
};

struct RepositionOptions {
  Seconds max_hop = 10 * kMinute;  // longest move
  // Coverage is judged this far ahead: where couriers will be when the next orders come, so a move
  // shorter than the lookahead costs no coverage while under way.
  Seconds lookahead = 10 * kMinute;
  double min_gain = 0.1;    // required coverage gain (weight x minutes) per minute of the hop
  int max_moves = 1 << 30;  // per call
};

struct RepositionMove {
  CourierId courier = 0;
  int site = 0;  // index into the sites
  Seconds travel = 0;
};

// Site-to-site travel times, computed once per instance and shared by every call.
class SiteTimes {
 public:
  SiteTimes(const std::vector<Point>& sites, const TravelTimes& travel);
  [[nodiscard]] Seconds Between(int a, int b) const { return t_[static_cast<std::size_t>(a) * n_ + static_cast<std::size_t>(b)]; }
  [[nodiscard]] std::size_t size() const { return n_; }

 private:
  std::size_t n_ = 0;
  std::vector<Seconds> t_;
};

// `sites` must be indexed like `times`. Deterministic; returns at most one move per courier, never to one of
// its blocked sites (they become blocked for it: a courier serves none of the sites it was moved to).
[[nodiscard]] std::vector<RepositionMove> PlanRepositioning(TimePoint now, const std::vector<DemandSite>& sites,
                                                            const SiteTimes& times,
                                                            const std::vector<CoverageCourier>& couriers,
                                                            const TravelTimes& travel,
                                                            const RepositionOptions& options);

}  // namespace hotpath::dispatch
