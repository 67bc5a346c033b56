#pragma once
// The order aggregate as stored and served.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/geo.h"
#include "orders/state_machine.h"
#include "payments/payment_ledger.h"

namespace hotpath::orders {

struct OrderLine {
  std::string item_id;
  std::string name;
  std::int64_t unit_price = 0;
  std::int64_t quantity = 0;
};

struct HistoryEntry {
  OrderStatus status = OrderStatus::kPlaced;
  std::string actor;  // "customer:usr_..", "restaurant:usr_..", "rider:usr_..", "admin:usr_..", "system"
  std::string reason;
  Millis at = 0;
};

struct Order {
  std::string id;
  std::string customer_id;
  std::string restaurant_id;
  std::string zone_id;
  std::string rider_id;
  OrderStatus status = OrderStatus::kPlaced;
  std::int64_t version = 1;
  std::int64_t subtotal = 0;
  std::int64_t delivery_fee = 0;
  std::int64_t small_order_fee = 0;
  std::int64_t total = 0;
  std::string currency;
  geo::Point delivery;
  std::string address;
  std::optional<int> prep_minutes;
  int eta_minutes = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::vector<OrderLine> lines;
  std::vector<HistoryEntry> history;
  std::optional<payments::Payment> payment;
};

// One CloudEvents 1.0 event from the outbox; `seq` orders events (and is the SSE event id).
struct OrderEvent {
  std::int64_t seq = 0;
  std::string id;
  std::string type;  // "order.placed", "order.accepted", "order.rider_assigned", ...
  std::string order_id;
  std::string json;  // the whole CloudEvent, serialised
};

}  // namespace hotpath::orders
