#include "dispatch/bundle.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace hotpath::dispatch {
namespace {

constexpr size_t kExhaustiveLimit = 5;

struct SequenceValue {
  Seconds sum_offsets = 0;
  Seconds tail = 0;
};

SequenceValue Evaluate(const Snapshot& s, const TravelTimes& travel, const Point& start,
                       const std::vector<int>& seq, std::vector<Seconds>* offsets) {
  const Seconds half_drop = s.service.dropoff / 2;
  Seconds t = s.service.pickup - s.service.pickup / 2;  // leave the restaurant
  Point at = start;
  SequenceValue v;
  if (offsets != nullptr) offsets->clear();
  for (int o : seq) {
    const Point& to = s.orders[static_cast<size_t>(o)].dropoff;
    t += travel.Between(at, to) + half_drop;
    v.sum_offsets += t;
    if (offsets != nullptr) offsets->push_back(t);
    t += s.service.dropoff - half_drop;
    at = to;
  }
  v.tail = t;
  return v;
}

}  // namespace

Bundle MakeBundle(const Snapshot& s, const TravelTimes& travel, std::vector<int> orders) {
  Bundle b;
  const OpenOrder& first = s.orders[static_cast<size_t>(orders.front())];
  b.restaurant = first.restaurant;
  b.pickup = first.pickup;
  for (int o : orders) b.ready = std::max(b.ready, s.orders[static_cast<size_t>(o)].ready);
  if (orders.size() > 1 && orders.size() <= kExhaustiveLimit) {
    std::sort(orders.begin(), orders.end());
    std::vector<int> best = orders;
    SequenceValue best_v{std::numeric_limits<Seconds>::max(), 0};
    do {
      const SequenceValue v = Evaluate(s, travel, b.pickup, orders, nullptr);
      if (v.sum_offsets < best_v.sum_offsets ||
          (v.sum_offsets == best_v.sum_offsets && v.tail < best_v.tail)) {
        best_v = v;
        best = orders;
      }
    } while (std::next_permutation(orders.begin(), orders.end()));
    orders = best;
  } else if (orders.size() > kExhaustiveLimit) {
    std::vector<int> seq;
    std::vector<int> left = orders;
    Point at = b.pickup;
    while (!left.empty()) {
      auto it = std::min_element(left.begin(), left.end(), [&](int a, int c) {
        return travel.Between(at, s.orders[static_cast<size_t>(a)].dropoff) <
               travel.Between(at, s.orders[static_cast<size_t>(c)].dropoff);
      });
      seq.push_back(*it);
      at = s.orders[static_cast<size_t>(*it)].dropoff;
      left.erase(it);
    }
    orders = seq;
  }
  b.tail = Evaluate(s, travel, b.pickup, orders, &b.offsets).tail;
  b.orders = std::move(orders);
  return b;
}

std::optional<BundleTiming> TimeBundle(const Snapshot& s, const TravelTimes& travel, const Bundle& b,
                                       const CourierState& c) {
  BundleTiming t;
  t.depart = std::max(s.now, c.free_at);
  if (std::find(c.no_pickup_at.begin(), c.no_pickup_at.end(), b.restaurant) != c.no_pickup_at.end()) {
    return std::nullopt;
  }
  const Seconds drive = travel.Between(c.position, b.pickup);
  const Seconds half_pick = s.service.pickup / 2;
  t.arrive = t.depart + drive;
  t.pickup = std::max(t.arrive + half_pick, b.ready);
  if (t.pickup > c.shift_end) return std::nullopt;
  t.latest_depart = t.pickup - half_pick - drive;
  t.courier_time = drive + half_pick + b.tail;
  return t;
}

Cost BundleCost(const Snapshot& s, const Options& opt, const Bundle& b, const CourierState& c,
                const BundleTiming& t) {
  Seconds courier_time = t.courier_time;
  if (opt.discount_after_shift) {
    // The drop-off route beyond the shift end (pickup is never after it) is not counted.
    const TimePoint end = t.pickup + b.tail;
    if (end > c.shift_end) courier_time -= std::min<Seconds>(b.tail, end - c.shift_end);
  }
  Cost minutes = 0;
  for (size_t k = 0; k < b.orders.size(); ++k) {
    const OpenOrder& o = s.orders[static_cast<size_t>(b.orders[k])];
    const TimePoint drop = t.pickup + b.offsets[k];
    minutes += static_cast<Cost>(drop - o.placed);
    minutes += opt.lateness_weight * static_cast<Cost>(std::max<Seconds>(0, drop - o.promised));
    minutes += opt.freshness_weight * static_cast<Cost>(t.pickup - o.ready);
  }
  minutes += opt.courier_time_weight * static_cast<Cost>(courier_time);
  return minutes / static_cast<Cost>(kMinute) + c.extra_cost_per_order * static_cast<Cost>(b.orders.size());
}

}  // namespace hotpath::dispatch
