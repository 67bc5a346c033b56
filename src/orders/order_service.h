#pragma once
// The order use cases: quote, place (idempotent, payment authorised, one durable transaction),
// the lifecycle actions, reads with access control, and rider assignment. Every state change
// writes the order row (version-checked), its history entry and an outbox event in one
// transaction, then publishes the event to live subscribers in commit order.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cache/versioned_cache.h"
#include "catalog/catalog_service.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"
#include "fleet/fleet_service.h"
#include "identity/principal.h"
#include "orders/live_hub.h"
#include "orders/order.h"
#include "orders/order_store.h"
#include "orders/pricing.h"
#include "orders/quote_token.h"
#include "payments/provider.h"
#include "storage/database.h"

namespace hotpath::orders {

struct CartLine {
  std::string item_id;
  std::int64_t quantity = 0;
};

struct OrderRequest {
  std::string restaurant_id;
  std::vector<CartLine> items;
  geo::Point delivery;
  std::string address;
  std::string payment_method;  // only for Place
  std::string quote_id;        // only for Place: pay the fee of this quote (QuoteOrder's quote_id)
};

struct ActionArgs {
  std::optional<int> prep_minutes;  // accept
  std::string reason;               // reject, cancel
};

struct PlaceResult {
  Order order;
  bool replayed = false;  // the Idempotency-Key was seen before with the same body
};

class OrderService {
 public:
  OrderService(storage::Database& db, const Clock& clock, catalog::CatalogService& catalog,
               fleet::FleetService& fleet, payments::PaymentProvider& provider, LiveHub& hub,
               const Logger& log, Tariff tariff, std::string currency);

  Result<Quote> QuoteOrder(const identity::Principal& who, const OrderRequest& req);
  Result<PlaceResult> Place(const identity::Principal& who, const std::string& idempotency_key,
                            const std::string& request_hash, const OrderRequest& req);
  Result<Order> Act(const identity::Principal& who, const std::string& order_id, Action action,
                    const ActionArgs& args);
  Result<Order> Refund(const identity::Principal& who, const std::string& order_id);
  Result<Order> Get(const identity::Principal& who, const std::string& order_id);
  // The order as served by GET /v1/orders/{id}, through the shared cache when there is one. Every
  // change of an existing order marks its cached copy before the commit and ends the mark after it
  // (cache::VersionedCache change marks, ChangeMarks), so once a change has returned no process
  // serves the copy from before it, even when the writer was killed between its commit and the end
  // (the mark expires with the version); each committed event also bumps the version
  // (InvalidateCached), and so does orders::CacheBumper from the outbox, at least once (docs/cache.md).
  Result<std::string> GetJson(const identity::Principal& who, const std::string& order_id);
  // Ids of the orders changed at or after `since` (updated_at; every change of an order sets it).
  Result<std::vector<std::string>> ChangedSince(Millis since);
  // Orders through a cache shared by every process (null: none). Set before serving.
  void SetSharedCache(cache::VersionedCache* shared) { shared_ = shared; }
  // An event of the order committed (from the hub's tap, after the commit).
  void InvalidateCached(const std::string& order_id) {
    if (shared_) shared_->Invalidate("order:" + order_id);
  }
  // Events after `after_seq` of an order the caller may see.
  Result<std::vector<OrderEvent>> EventsAfter(const identity::Principal& who, const std::string& order_id,
                                              std::int64_t after_seq);

  // Assigns the nearest available rider of the order's zone to each accepted or ready order that
  // has none, oldest order first. Returns how many were assigned.
  Result<int> AssignPending();
  // Gives all `order_ids` (a bundle of one restaurant) to the rider in one transaction: each order
  // must still be accepted or ready with no rider, and the rider available (kConflict naming what
  // changed otherwise; nothing is written then). Each order gets an `order.rider_assigned` event
  // whose data carries `extra` (a JSON object's members, e.g. the offer id).
  Result<std::vector<Order>> AssignBundle(const std::vector<std::string>& order_ids, const std::string& rider_id,
                                          const std::string& extra_json_members);
  // A milestone of the assigned rider seen by tracking (geofences: "rider.arrived_restaurant",
  // "rider.arriving"): appended once per type to the order's events (outbox, live subscribers, the
  // customer's stream) while `rider_id` is still the order's rider and the order is open. False
  // when it was already recorded or no longer applies.
  Result<bool> RecordRiderMilestone(const std::string& order_id, const std::string& rider_id, std::string_view type,
                                    const std::string& extra_json_members);
  // Accepted or ready orders with no rider, oldest first (what a dispatcher plans).
  Result<std::vector<store::Unassigned>> Unassigned(int limit);
  // Called when an order may now need a rider (the assigner loop listens).
  void SetAssignmentWakeup(std::function<void()> wake) { wake_assigner_ = std::move(wake); }

  // Quotes get a signed quote_id holding their delivery fee for `validity`; `fees` (optional)
  // prices the delivery fee beyond the distance tariff. Set before serving; both outlive the service.
  void SetQuoting(const QuoteSigner* signer, std::chrono::seconds validity, DeliveryFeeSource* fees) {
    signer_ = signer;
    quote_validity_ = validity;
    fees_ = fees;
  }

  [[nodiscard]] const std::string& currency() const { return currency_; }

 private:
  struct Priced {
    Quote quote;
    catalog::Restaurant restaurant;
    std::vector<OrderLine> lines;
  };
  Result<Priced> Price(const OrderRequest& req);
  // The delivery fee of a placement: the quoted one when req.quote_id holds, else the current one.
  Status ApplyFee(const identity::Principal& who, const OrderRequest& req, Priced& priced, Millis now);
  void ApplyCurrentFee(Priced& priced, Millis now);
  Status CanView(const identity::Principal& who, const Order& o) const;
  // The change marks of orders' cached copies around a write that changes them: set on
  // construction (before the write), ended by End or the destructor (after it returned, also when
  // it failed). No bump after the commit could close the window in which the writer dies after its
  // commit; the mark, set before it, outlives such a writer by change_ttl and takes the old version
  // with it.
  class ChangeMarks {
   public:
    ChangeMarks(cache::VersionedCache* shared, std::vector<std::string> order_ids);
    ChangeMarks(const ChangeMarks&) = delete;
    ChangeMarks& operator=(const ChangeMarks&) = delete;
    ~ChangeMarks() { End(); }
    void End();

   private:
    cache::VersionedCache* shared_;
    std::vector<std::string> entities_;
    std::vector<std::string> tokens_;
  };
  cache::VersionedCache* shared_ = nullptr;
  Result<Actor> ActorFor(const identity::Principal& who, const Order& o, Action action) const;
  void SettlePayment(const Order& o, payments::PaymentStatus to);

  storage::Database& db_;
  const Clock& clock_;
  catalog::CatalogService& catalog_;
  fleet::FleetService& fleet_;
  payments::PaymentProvider& provider_;
  LiveHub& hub_;
  const Logger& log_;
  Tariff tariff_;
  std::string currency_;
  std::function<void()> wake_assigner_;
  const QuoteSigner* signer_ = nullptr;
  std::chrono::seconds quote_validity_{300};
  DeliveryFeeSource* fees_ = nullptr;
};

}  // namespace hotpath::orders
