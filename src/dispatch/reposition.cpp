#include "dispatch/reposition.h"

#include <algorithm>
#include <limits>

namespace hotpath::dispatch {

SiteTimes::SiteTimes(const std::vector<Point>& sites, const TravelTimes& travel) : n_(sites.size()), t_(n_ * n_, 0) {
  for (size_t a = 0; a < n_; ++a) {
    for (size_t b = 0; b < n_; ++b) t_[a * n_ + b] = a == b ? 0 : travel.Between(sites[a], sites[b]);
  }
}

std::vector<RepositionMove> PlanRepositioning(TimePoint now, const std::vector<DemandSite>& sites,
                                              const SiteTimes& times, const std::vector<CoverageCourier>& couriers,
                                              const TravelTimes& travel, const RepositionOptions& opt) {
  std::vector<RepositionMove> moves;
  std::vector<int> active;  // sites with demand
  for (int s = 0; s < static_cast<int>(sites.size()); ++s) {
    if (sites[static_cast<size_t>(s)].weight > 0) active.push_back(s);
  }
  if (active.empty() || couriers.empty() || sites.size() != times.size()) return moves;
  const size_t na = active.size();
  constexpr Seconds kInf = std::numeric_limits<Seconds>::max() / 4;
  auto blocked = [&](const CoverageCourier& cc, int s) {
    return std::find(cc.blocked_sites.begin(), cc.blocked_sites.end(), s) != cc.blocked_sites.end();
  };
  // reach[c][k]: seconds until courier c can be at active site k.
  std::vector<std::vector<Seconds>> reach(couriers.size(), std::vector<Seconds>(na));
  for (size_t c = 0; c < couriers.size(); ++c) {
    const CoverageCourier& cc = couriers[c];
    const Seconds wait = std::max<Seconds>(0, cc.free_at - now - opt.lookahead);
    for (size_t k = 0; k < na; ++k) {
      const int s = active[k];
      reach[c][k] = blocked(cc, s) ? kInf : wait + travel.Between(cc.position, sites[static_cast<size_t>(s)].location);
    }
  }
  // Best and second-best reach per active site.
  std::vector<Seconds> best1(na), best2(na);
  std::vector<int> who(na);
  auto recompute = [&] {
    for (size_t k = 0; k < na; ++k) {
      Seconds b1 = kInf, b2 = kInf;
      int w = -1;
      for (size_t c = 0; c < couriers.size(); ++c) {
        const Seconds r = reach[c][k];
        if (r < b1) {
          b2 = b1;
          b1 = r;
          w = static_cast<int>(c);
        } else if (r < b2) {
          b2 = r;
        }
      }
      best1[k] = b1;
      best2[k] = b2;
      who[k] = w;
    }
  };
  recompute();
  std::vector<Seconds> after(na);
  for (size_t c = 0; c < couriers.size() && static_cast<int>(moves.size()) < opt.max_moves; ++c) {
    const CoverageCourier& cc = couriers[c];
    if (!cc.movable) continue;
    double best_gain = 0;
    int best_q = -1;
    Seconds best_hop = 0;
    for (int q = 0; q < static_cast<int>(sites.size()); ++q) {
      if (blocked(cc, q)) continue;
      const Seconds hop = travel.Between(cc.position, sites[static_cast<size_t>(q)].location);
      if (hop > opt.max_hop || hop <= 0) continue;
      const Seconds lag = std::max<Seconds>(0, hop - opt.lookahead);
      double gain = 0;
      for (size_t k = 0; k < na; ++k) {
        const int s = active[k];
        const Seconds other = who[k] == static_cast<int>(c) ? best2[k] : best1[k];
        const Seconds mine = s == q || blocked(cc, s) ? kInf : lag + times.Between(q, s);
        const Seconds now_best = best1[k];
        const Seconds next_best = std::min(other, mine);
        gain += sites[static_cast<size_t>(s)].weight * static_cast<double>(now_best - next_best) /
                static_cast<double>(kMinute);
      }
      const double hop_minutes = static_cast<double>(hop) / static_cast<double>(kMinute);
      // Among equal gains the shorter hop (the courier is committed for less time).
      const bool better = gain > best_gain + 1e-9 || (gain > best_gain - 1e-9 && best_q >= 0 && hop < best_hop);
      if (gain >= opt.min_gain * hop_minutes && gain > 0 && better) {
        best_gain = gain;
        best_q = q;
        best_hop = hop;
      }
    }
    if (best_q < 0) continue;
    moves.push_back({cc.id, best_q, best_hop});
    const Seconds lag = std::max<Seconds>(0, best_hop - opt.lookahead);
    for (size_t k = 0; k < na; ++k) {
      const int s = active[k];
      reach[c][k] = s == best_q || blocked(cc, s) ? kInf : lag + times.Between(best_q, s);
    }
    recompute();
  }
  return moves;
}

}  // namespace hotpath::dispatch
