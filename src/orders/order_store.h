#pragma once
// SQL for orders, their lines, history and the transactional outbox. Every function runs on the
// caller's connection so the caller decides the transaction.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "orders/order.h"
#include "storage/sqlite.h"

namespace hotpath::orders::store {

Status InsertOrder(storage::Connection& c, const Order& o, const std::string& idempotency_key,
                   const std::string& request_hash);
// The order with lines, history and payment.
Result<std::optional<Order>> LoadOrder(storage::Connection& c, const std::string& id);
// (order id, request hash) of an earlier order placed with this key by this customer.
Result<std::optional<std::pair<std::string, std::string>>> FindByIdempotencyKey(
    storage::Connection& c, const std::string& customer_id, const std::string& key);
// Writes status, rider and prep time if the stored version still equals `o.version - 1`; kConflict
// otherwise (someone else changed the order first).
Status UpdateOrder(storage::Connection& c, const Order& o);
Status AppendHistory(storage::Connection& c, const std::string& order_id, const HistoryEntry& h);
// Appends a CloudEvent to the outbox and returns it with its sequence number.
Result<OrderEvent> AppendEvent(storage::Connection& c, const Order& o, std::string_view type, Millis now,
                               std::string_view extra_json_members = "");
// What placing an order did: inserted it (with its "order.placed" event), or found an earlier order
// this customer placed with the same idempotency key (nothing written).
struct Placement {
  std::optional<OrderEvent> event;                              // set when the order was inserted
  std::optional<std::pair<std::string, std::string>> existing;  // (order id, request hash) otherwise
};
// Inserts the order with its lines, history, payment and "order.placed" outbox event, unless the
// customer already used `idempotency_key`. On PostgreSQL this is one statement sent without waiting
// (Connection::QueryLater: INSERT ... ON CONFLICT DO NOTHING and data-modifying CTEs), so a group
// commit of many orders costs a few round trips in all; `*out` is filled when the pipeline is read
// back: before the commit, the unit's AfterCommit hooks and Database::Write's return, not before
// PlaceOrder returns. On SQLite `*out` is filled at once.
Status PlaceOrder(storage::Connection& c, const Order& o, const std::string& idempotency_key,
                  const std::string& request_hash, Millis now, std::shared_ptr<Placement> out);
Result<std::vector<OrderEvent>> EventsAfter(storage::Connection& c, const std::string& order_id,
                                            std::int64_t seq);

struct Unassigned {
  std::string order_id;
  std::string zone_id;
  geo::Point restaurant;
  Millis created_at = 0;
  std::string restaurant_id;
  geo::Point delivery;
  OrderStatus status = OrderStatus::kAccepted;
  int prep_minutes = 0;
  Millis accepted_at = 0;  // when the restaurant accepted (ready expected at + prep_minutes)
  int eta_minutes = 0;     // click-to-door promised in the quote
};
// Accepted or ready orders with no rider, oldest first.
Result<std::vector<Unassigned>> UnassignedOrders(storage::Connection& c, int limit);
// Whether the rider carries another order than `except_order` (not yet delivered or cancelled).
Result<bool> RiderHasOtherOrders(storage::Connection& c, const std::string& rider_id,
                                 const std::string& except_order);

}  // namespace hotpath::orders::store
