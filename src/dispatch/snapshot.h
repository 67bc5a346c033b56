#pragma once
// Snapshot: everything the dispatcher knows at one instant. Built by the caller (the MDRP replay or the
// live server) from what is known at `now` only; the engine never looks further.

#include <vector>

#include "dispatch/types.h"

namespace hotpath::dispatch {

// An order that is placed but not yet committed to a courier.
struct OpenOrder {
  OrderId id = 0;
  RestaurantId restaurant = 0;  // bundles only ever combine orders of one restaurant
  Point pickup;                 // restaurant location
  Point dropoff;                // customer location
  TimePoint placed = 0;
  TimePoint ready = 0;     // expected ready time at the restaurant
  TimePoint promised = 0;  // drop-off promised to the customer (placed + target click-to-door)
};

// A courier on duty. A courier executing an assignment cannot be diverted, so its current route is
// summarised by where and when it becomes free again.
struct CourierState {
  CourierId id = 0;
  Point position;           // where the courier is (idle) or will be when its current route ends
  TimePoint free_at = 0;    // when the current route ends; <= now if idle
  TimePoint shift_end = 0;  // no pickups after this time (drop-offs may end later)
  // Marginal pay for one more order (objective units, e.g. 0 while the courier is still under its
  // guaranteed minimum and the per-order pay above it). Lets the engine balance courier pay.
  Cost extra_cost_per_order = 0;
  // Restaurants where this courier may not pick up its next order. The MDRP solution format records a
  // pickup as the first arrival at the restaurant, so a courier that was repositioned to a restaurant
  // (arrived there without an order) cannot pick up there until it has picked up somewhere else.
  std::vector<RestaurantId> no_pickup_at;
};

struct ServiceTimes {
  Seconds pickup = 4 * kMinute;   // half before the pickup instant, half after
  Seconds dropoff = 4 * kMinute;  // half before the drop-off instant, half after
};

struct Snapshot {
  TimePoint now = 0;
  ServiceTimes service;
  std::vector<OpenOrder> orders;
  std::vector<CourierState> couriers;
};

}  // namespace hotpath::dispatch
