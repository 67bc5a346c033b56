#pragma once
// Pure translation between the platform's view of one zone (orders waiting for a rider, idle riders,
// lat/lon, Unix milliseconds) and the dispatch engine's (integer ids, metres on a local plane,
// seconds). No clock, no I/O: unit-tested on its own.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/geo.h"
#include "dispatch/plan.h"
#include "dispatch/snapshot.h"

namespace hotpath::dispatcher {

struct WaitingOrder {
  std::string id;
  std::string restaurant_id;
  geo::Point restaurant;
  geo::Point delivery;
  Millis placed_at = 0;
  Millis ready_at = 0;     // expected (accepted + prep time) or now when marked ready
  Millis promised_at = 0;  // placement + the click-to-door quoted to the customer
};

struct IdleRider {
  std::string id;
  geo::Point position;
};

// The engine's input for one zone, with the tables that map its integer ids back.
struct ZoneSnapshot {
  dispatch::Snapshot snapshot;
  std::vector<std::string> order_ids;       // engine OrderId i -> order id
  std::vector<std::string> rider_ids;       // engine CourierId i -> rider id
  std::vector<std::string> restaurant_ids;  // engine RestaurantId i -> restaurant id
  geo::Point origin;                        // of the local plane
};

// Positions are projected on an equirectangular plane around the first order's restaurant (exact to
// well under 1% over a city); times are whole seconds since the Unix epoch. Riders are idle now and
// on shift for `shift_left_s` more seconds.
ZoneSnapshot BuildSnapshot(const std::vector<WaitingOrder>& orders, const std::vector<IdleRider>& riders,
                           Millis now, dispatch::ServiceTimes service, dispatch::Seconds shift_left_s);

dispatch::Point Project(geo::Point origin, geo::Point p);

inline Millis ToMillis(dispatch::TimePoint t) { return t * 1000; }

}  // namespace hotpath::dispatcher
