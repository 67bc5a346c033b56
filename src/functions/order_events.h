#pragma once
// What the built-in functions understand of the `orders` topic: CloudEvents of schema
// "order-event" v1 with types order.<status> (see orders/order_store.cpp), and the tracking
// milestones of an order (rider.arrived_restaurant, rider.arriving: tracking/live_tracking.cpp),
// which the built-in functions have nothing to do with and ignore. Anything else on the topic is
// refused (after its retries, to the dead-letter topic) rather than guessed at.

#include <boost/json/object.hpp>
#include <string>

#include "core/result.h"
#include "events/cloud_event.h"

namespace hotpath::functions {

struct OrderEventView {
  std::string type;  // "order.placed", ...
  std::string order_id;
  std::string status;
  std::int64_t version = 0;
  std::string zone_id;   // "" when the order has none
  std::string rider_id;  // "" when none
  std::string customer_id;
  std::string restaurant_id;
  Millis at = 0;  // the event's time
};

// A geofence milestone of tracking, published on the orders topic within the order's story.
bool IsRiderMilestone(const events::CloudEvent& event);

// kInvalidArgument naming the problem for an unknown type, another schema version or missing fields.
Result<OrderEventView> ReadOrderEvent(const events::CloudEvent& event);

}  // namespace hotpath::functions
