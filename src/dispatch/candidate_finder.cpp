#include "dispatch/candidate_finder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace hotpath::dispatch {
namespace {

constexpr double kCouriersPerCell = 3.0;

bool Better(const Candidate& a, const Candidate& b) {
  return a.cost != b.cost ? a.cost < b.cost : a.courier < b.courier;
}

}  // namespace

CandidateFinder::CandidateFinder(const Snapshot& s, const TravelTimes& travel, const Options& opt,
                                 const std::vector<int>& couriers)
    : s_(s), travel_(travel), opt_(opt) {
  if (couriers.empty()) return;
  double max_x = -std::numeric_limits<double>::infinity(), max_y = max_x;
  min_x_ = min_y_ = std::numeric_limits<double>::infinity();
  min_extra_ = std::numeric_limits<Cost>::infinity();
  min_shift_end_ = std::numeric_limits<TimePoint>::max();
  for (int c : couriers) {
    const CourierState& cs = s.couriers[static_cast<size_t>(c)];
    min_x_ = std::min(min_x_, cs.position.x);
    min_y_ = std::min(min_y_, cs.position.y);
    max_x = std::max(max_x, cs.position.x);
    max_y = std::max(max_y, cs.position.y);
    min_extra_ = std::min(min_extra_, cs.extra_cost_per_order);
    min_shift_end_ = std::min(min_shift_end_, cs.shift_end);
  }
  const double w = std::max(1.0, max_x - min_x_), h = std::max(1.0, max_y - min_y_);
  cell_ = std::max(1.0, std::sqrt(w * h * kCouriersPerCell / static_cast<double>(couriers.size())));
  nx_ = std::min(4096, static_cast<int>(w / cell_) + 1);
  ny_ = std::min(4096, static_cast<int>(h / cell_) + 1);
  cell_ = std::max(w / nx_, h / ny_) * (1 + 1e-9);
  cells_.assign(static_cast<size_t>(nx_) * static_cast<size_t>(ny_), {});
  for (int c : couriers) {
    const Point& p = s.couriers[static_cast<size_t>(c)].position;
    const int cx = std::clamp(static_cast<int>((p.x - min_x_) / cell_), 0, nx_ - 1);
    const int cy = std::clamp(static_cast<int>((p.y - min_y_) / cell_), 0, ny_ - 1);
    cells_[static_cast<size_t>(cy) * static_cast<size_t>(nx_) + static_cast<size_t>(cx)].push_back(c);
  }
}

std::optional<Cost> CandidateFinder::CostOf(const Bundle& b, int courier, BundleTiming* timing) const {
  const CourierState& c = s_.couriers[static_cast<size_t>(courier)];
  auto t = TimeBundle(s_, travel_, b, c);
  if (!t) return std::nullopt;
  if (timing != nullptr) *timing = *t;
  return BundleCost(s_, opt_, b, c, *t);
}

Cost CandidateFinder::LowerBound(const Bundle& b, double metres) const {
  // An idle courier with the cheapest pay, `metres` away, and no shift end.
  const Seconds drive = travel_.LowerBoundForDistance(metres);
  CourierState ideal{0, b.pickup, s_.now, std::numeric_limits<TimePoint>::max(), min_extra_};
  BundleTiming t;
  t.depart = s_.now;
  t.arrive = s_.now + drive;
  t.pickup = std::max(t.arrive + s_.service.pickup / 2, b.ready);
  t.latest_depart = t.pickup - s_.service.pickup / 2 - drive;
  t.courier_time = drive + s_.service.pickup / 2 + b.tail;
  Cost bound = BundleCost(s_, opt_, b, ideal, t);
  if (opt_.discount_after_shift) {
    // A real courier picks up at t.pickup + d (d >= 0) and its drop-off route counts only up to its shift
    // end (>= min_shift_end_): clamp(shift_end - pickup, 0, tail) of the tail. Every order's click-to-door
    // grows by d, so the cost is at least the ideal's with the tail replaced by the smaller of
    // w * min(tail, slack) (d = 0) and n * slack (d = slack, the route past the shift end entirely).
    const auto slack = static_cast<Cost>(std::max<TimePoint>(0, min_shift_end_ - t.pickup));
    const auto tail = static_cast<Cost>(b.tail);
    const Cost w = opt_.courier_time_weight;
    const Cost kept = std::min(w * std::min(tail, slack), static_cast<Cost>(b.orders.size()) * slack);
    bound += (kept - w * tail) / static_cast<Cost>(kMinute);
  }
  return bound;
}

std::vector<Candidate> CandidateFinder::Find(const Bundle& b, int k) const {
  std::vector<Candidate> best;  // max-heap by Better: front is the worst kept
  if (cells_.empty() || k <= 0) return best;
  const auto cap = static_cast<size_t>(k);
  const int cx = static_cast<int>(std::floor((b.pickup.x - min_x_) / cell_));
  const int cy = static_cast<int>(std::floor((b.pickup.y - min_y_) / cell_));
  // Distance from the restaurant to the grid box, so rings start counting where couriers are.
  const int max_ring = std::max({std::abs(cx), std::abs(cx - nx_ + 1), std::abs(cy), std::abs(cy - ny_ + 1)});
  // Rings closer than the grid box hold no cells.
  const int min_ring = std::max({0, -cx, cx - (nx_ - 1), -cy, cy - (ny_ - 1)});
  auto visit = [&](int x, int y) {
    for (int c : cells_[static_cast<size_t>(y) * static_cast<size_t>(nx_) + static_cast<size_t>(x)]) {
      auto cost = CostOf(b, c);
      if (!cost) continue;
      const Candidate cand{c, *cost};
      if (best.size() < cap) {
        best.push_back(cand);
        std::push_heap(best.begin(), best.end(), Better);
      } else if (Better(cand, best.front())) {
        std::pop_heap(best.begin(), best.end(), Better);
        best.back() = cand;
        std::push_heap(best.begin(), best.end(), Better);
      }
    }
  };
  for (int r = min_ring; r <= max_ring; ++r) {
    if (best.size() == cap && r >= 1) {
      const double gap = static_cast<double>(r - 1) * cell_;
      if (LowerBound(b, gap) >= best.front().cost) break;
    }
    const int x_lo = std::max(0, cx - r), x_hi = std::min(nx_ - 1, cx + r);
    for (int y = std::max(0, cy - r); y <= std::min(ny_ - 1, cy + r); ++y) {
      if (y == cy - r || y == cy + r) {
        for (int x = x_lo; x <= x_hi; ++x) visit(x, y);
      } else {
        if (cx - r >= 0 && cx - r < nx_) visit(cx - r, y);
        if (r > 0 && cx + r >= 0 && cx + r < nx_) visit(cx + r, y);
      }
    }
  }
  std::sort(best.begin(), best.end(), Better);
  return best;
}

}  // namespace hotpath::dispatch
