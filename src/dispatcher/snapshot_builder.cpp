#include "dispatcher/snapshot_builder.h"

#include <cmath>
#include <map>

namespace hotpath::dispatcher {
namespace {
constexpr double kMetresPerDegreeLat = 110574.0;
constexpr double kMetresPerDegreeLonAtEquator = 111320.0;
constexpr double kPi = 3.14159265358979323846;

dispatch::TimePoint Seconds(Millis t) { return t >= 0 ? t / 1000 : -((-t + 999) / 1000); }
}  // namespace

dispatch::Point Project(geo::Point origin, geo::Point p) {
  double lon_scale = kMetresPerDegreeLonAtEquator * std::cos(origin.lat * kPi / 180.0);
  return {(p.lon - origin.lon) * lon_scale, (p.lat - origin.lat) * kMetresPerDegreeLat};
}

ZoneSnapshot BuildSnapshot(const std::vector<WaitingOrder>& orders, const std::vector<IdleRider>& riders,
                           Millis now, dispatch::ServiceTimes service, dispatch::Seconds shift_left_s) {
  ZoneSnapshot z;
  if (!orders.empty()) {
    z.origin = orders.front().restaurant;
  } else if (!riders.empty()) {
    z.origin = riders.front().position;
  }
  z.snapshot.now = Seconds(now);
  z.snapshot.service = service;
  std::map<std::string, dispatch::RestaurantId> restaurant_index;
  for (const auto& o : orders) {
    auto [it, added] =
        restaurant_index.emplace(o.restaurant_id, static_cast<dispatch::RestaurantId>(z.restaurant_ids.size()));
    if (added) z.restaurant_ids.push_back(o.restaurant_id);
    dispatch::OpenOrder open;
    open.id = static_cast<dispatch::OrderId>(z.order_ids.size());
    open.restaurant = it->second;
    open.pickup = Project(z.origin, o.restaurant);
    open.dropoff = Project(z.origin, o.delivery);
    open.placed = Seconds(o.placed_at);
    open.ready = Seconds(o.ready_at);
    open.promised = Seconds(o.promised_at);
    z.snapshot.orders.push_back(open);
    z.order_ids.push_back(o.id);
  }
  for (const auto& r : riders) {
    dispatch::CourierState c;
    c.id = static_cast<dispatch::CourierId>(z.rider_ids.size());
    c.position = Project(z.origin, r.position);
    c.free_at = z.snapshot.now;
    c.shift_end = z.snapshot.now + shift_left_s;
    z.snapshot.couriers.push_back(c);
    z.rider_ids.push_back(r.id);
  }
  return z;
}

}  // namespace hotpath::dispatcher
