#include "functions/order_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace hotpath::functions {
namespace {
constexpr std::array<std::string_view, 9> kTypes = {"order.placed",    "order.accepted",  "order.rider_assigned",
                                                     "order.ready",     "order.picked_up", "order.delivered",
                                                     "order.cancelled", "order.rejected",  "order.refunded"};

std::string Text(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
}  // namespace

bool IsRiderMilestone(const events::CloudEvent& event) {
  return event.type == "rider.arrived_restaurant" || event.type == "rider.arriving";
}

Result<OrderEventView> ReadOrderEvent(const events::CloudEvent& event) {
  if (std::find(kTypes.begin(), kTypes.end(), event.type) == kTypes.end())
    return Error::Invalid(fmt::format("unknown order event type '{}'", event.type));
  if (event.schema_version != 1)
    return Error::Invalid(fmt::format("order event schema version {} is not supported (1 is)", event.schema_version));
  OrderEventView v;
  v.type = event.type;
  v.order_id = Text(event.data, "order_id");
  v.status = Text(event.data, "status");
  v.zone_id = Text(event.data, "zone_id");
  v.rider_id = Text(event.data, "rider_id");
  v.customer_id = Text(event.data, "customer_id");
  v.restaurant_id = Text(event.data, "restaurant_id");
  const auto* version = event.data.if_contains("version");
  if (v.order_id.empty() || v.status.empty() || !version || !version->is_int64())
    return Error::Invalid("order event without order_id, status or version");
  v.version = version->as_int64();
  HP_ASSIGN(v.at, events::ParseRfc3339(event.time));
  return v;
}

}  // namespace hotpath::functions
