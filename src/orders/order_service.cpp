#include "orders/order_service.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <set>

#include "core/json.h"
#include "orders/order_json.h"
#include "orders/order_store.h"
#include "orders/recent_changes.h"

namespace hotpath::orders {
using identity::Principal;
using identity::Role;
using payments::PaymentStatus;
using storage::Connection;

OrderService::OrderService(storage::Database& db, const Clock& clock, catalog::CatalogService& catalog,
                           fleet::FleetService& fleet, payments::PaymentProvider& provider, LiveHub& hub,
                           const Logger& log, Tariff tariff, std::string currency)
    : db_(db),
      clock_(clock),
      catalog_(catalog),
      fleet_(fleet),
      provider_(provider),
      hub_(hub),
      log_(log),
      tariff_(tariff),
      currency_(std::move(currency)) {}

OrderService::ChangeMarks::ChangeMarks(cache::VersionedCache* shared, std::vector<std::string> order_ids)
    : shared_(shared) {
  if (!shared_) return;
  for (auto& id : order_ids) {
    entities_.push_back("order:" + id);
    tokens_.push_back(shared_->BeginChange(entities_.back()));
  }
}

void OrderService::ChangeMarks::End() {
  if (!shared_) return;
  for (std::size_t i = 0; i < entities_.size(); ++i) shared_->EndChange(entities_[i], tokens_[i]);
  shared_ = nullptr;
}

Result<OrderService::Priced> OrderService::Price(const OrderRequest& req) {
  auto restaurant = catalog_.GetRestaurant(req.restaurant_id);
  if (!restaurant.ok()) {
    Error e = std::move(restaurant).error();
    if (e.code == ErrorCode::kNotFound) e.fields.push_back({"restaurant_id", "no restaurant has this id"});
    return e;
  }
  HP_ASSIGN(auto menu, catalog_.Menu(req.restaurant_id));
  std::map<std::string, const catalog::MenuItem*> by_id;
  for (const auto& m : menu) by_id[m.id] = &m;
  std::vector<FieldError> unknown;
  std::vector<FieldError> unavailable;
  Priced out;
  out.restaurant = std::move(restaurant).value();
  std::vector<PricedLine> priced;
  for (std::size_t i = 0; i < req.items.size(); ++i) {
    const auto& line = req.items[i];
    auto it = by_id.find(line.item_id);
    std::string field = fmt::format("items[{}].item_id", i);
    if (it == by_id.end()) {
      unknown.push_back({field, "is not on this restaurant's menu"});
      continue;
    }
    if (!it->second->available) {
      unavailable.push_back({field, fmt::format("'{}' is not available right now", it->second->name)});
      continue;
    }
    out.lines.push_back({line.item_id, it->second->name, it->second->price, line.quantity});
    priced.push_back({it->second->price, line.quantity});
  }
  if (!unknown.empty()) return Error::Invalid("the order names items that do not exist", std::move(unknown));
  if (!unavailable.empty()) {
    Error e = Error::Conflict("some items are not available");
    e.fields = std::move(unavailable);
    return e;
  }
  auto quote = PriceOrder(priced, out.restaurant.location, req.delivery, tariff_);
  if (!quote.ok()) return std::move(quote).error();
  out.quote = std::move(quote).value();
  return out;
}

void OrderService::ApplyCurrentFee(Priced& priced, Millis now) {
  if (fees_ == nullptr) return;
  auto fee = fees_->FeeFor(priced.restaurant.zone_id, priced.quote.delivery_fee, now);
  priced.quote.total += fee.fee - priced.quote.delivery_fee;
  priced.quote.delivery_fee = fee.fee;
  priced.quote.fee_breakdown = std::move(fee.breakdown);
}

Result<Quote> OrderService::QuoteOrder(const Principal& who, const OrderRequest& req) {
  HP_TRY(identity::RequireRole(who, {Role::kCustomer}));
  HP_ASSIGN(auto priced, Price(req));
  Millis now = clock_.NowMillis();
  ApplyCurrentFee(priced, now);
  if (signer_ != nullptr) {
    priced.quote.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(quote_validity_).count();
    priced.quote.quote_id = signer_->Sign({who.user_id, req.restaurant_id, req.delivery, priced.restaurant.zone_id,
                                           priced.quote.delivery_fee, currency_, priced.quote.expires_at});
  }
  return priced.quote;
}

Status OrderService::ApplyFee(const Principal& who, const OrderRequest& req, Priced& priced, Millis now) {
  if (req.quote_id.empty()) {
    ApplyCurrentFee(priced, now);
    return OkStatus();
  }
  if (signer_ == nullptr)
    return Error::Invalid("this server does not issue quotes", {{"quote_id", "is not accepted here"}});
  HP_ASSIGN(auto claims, signer_->Verify(req.quote_id));
  auto other = [](std::string what) {
    return Error::Invalid(fmt::format("quote_id was quoted for another {}", what),
                          {{"quote_id", fmt::format("belongs to another {}; ask for a new quote", what)}});
  };
  if (claims.customer_id != who.user_id) return other("customer");
  if (claims.restaurant_id != req.restaurant_id) return other("restaurant");
  if (QuotePlace(claims.delivery) != QuotePlace(req.delivery)) return other("drop-off");
  if (claims.currency != currency_) return other("currency");
  if (now >= claims.expires_at) {
    Error e = Error::Conflict(fmt::format("the quote expired at {}; ask for a new quote",
                                          json::FormatTime(claims.expires_at)));
    e.extras.emplace_back("expired_at", fmt::format("\"{}\"", json::FormatTime(claims.expires_at)));
    return e;
  }
  priced.quote.total += claims.delivery_fee - priced.quote.delivery_fee;
  priced.quote.delivery_fee = claims.delivery_fee;
  return OkStatus();
}

Result<PlaceResult> OrderService::Place(const Principal& who, const std::string& idempotency_key,
                                        const std::string& request_hash, const OrderRequest& req) {
  HP_TRY(identity::RequireRole(who, {Role::kCustomer}));
  auto replay = [&](const std::pair<std::string, std::string>& seen) -> Result<PlaceResult> {
    if (seen.second != request_hash) {
      return Error::Unprocessable("this Idempotency-Key was already used with a different request body");
    }
    HP_ASSIGN(auto order, Get(who, seen.first));
    return PlaceResult{std::move(order), true};
  };
  // No read of the key up front: the write unit checks it, and a replay voids its authorisation.

  HP_ASSIGN(auto priced, Price(req));
  Millis now = clock_.NowMillis();
  if (auto fee = ApplyFee(who, req, priced, now); !fee.ok()) {
    // A retry of a placement that succeeded while its quote was valid replays, expired or not.
    if (fee.error().code == ErrorCode::kConflict) {
      auto seen = db_.Read<std::optional<std::pair<std::string, std::string>>>(
          [&](Connection& c) { return store::FindByIdempotencyKey(c, who.user_id, idempotency_key); });
      if (seen.ok() && *seen) return replay(**seen);
    }
    return std::move(fee).error();
  }
  Order o;
  o.id = NewId("ord");
  o.customer_id = who.user_id;
  o.restaurant_id = req.restaurant_id;
  o.zone_id = priced.restaurant.zone_id;
  o.status = OrderStatus::kPlaced;
  o.version = 1;
  o.subtotal = priced.quote.subtotal;
  o.delivery_fee = priced.quote.delivery_fee;
  o.small_order_fee = priced.quote.small_order_fee;
  o.total = priced.quote.total;
  o.currency = currency_;
  o.delivery = req.delivery;
  o.address = req.address;
  o.eta_minutes = priced.quote.eta_minutes;
  o.created_at = o.updated_at = now;
  o.lines = std::move(priced.lines);
  o.history.push_back({OrderStatus::kPlaced, "customer:" + who.user_id, "", now});

  HP_ASSIGN(auto auth, provider_.Authorize(req.payment_method, o.total, o.currency, o.id));
  o.payment = payments::Payment{NewId("pay"), o.id,       req.payment_method, PaymentStatus::kAuthorized,
                                o.total,      o.currency, auth.provider_ref};

  // The outcome (inserted, or a concurrent request with the same key won) is known once the
  // group commit has read the statement's result back (PostgreSQL pipelines it), i.e. by the time
  // the hook runs and Write returns.
  // An independent write (new rows only, the key's uniqueness enforced by the database): on
  // PostgreSQL it may commit on any of several writer connections (storage::WriteLane).
  auto placement = std::make_shared<store::Placement>();
  auto written = db_.Write<Ok>(
      [&](Connection& c) -> Result<Ok> {
        HP_TRY(store::PlaceOrder(c, o, idempotency_key, request_hash, now, placement));
        c.AfterCommit([this, placement] {
          if (placement->event) hub_.Publish(*placement->event);
        });
        return Ok{};
      },
      storage::WriteLane::kIndependent);
  if (written.ok() && !placement->event && !placement->existing) {
    written = Error::Internal("order placement wrote nothing and found no earlier order");
  }
  if (!written.ok() || placement->existing) {
    if (auto st = provider_.Void(auth.provider_ref); !st.ok()) {
      log_.Error("void of unused authorization failed", {{"order_id", o.id}, {"error", st.error().message}});
    }
    if (!written.ok()) return std::move(written).error();
    return replay(*placement->existing);
  }
  return PlaceResult{std::move(o), false};
}

Status OrderService::CanView(const Principal& who, const Order& o) const {
  switch (who.role) {
    case Role::kAdmin:
      return OkStatus();
    case Role::kCustomer:
      if (o.customer_id == who.user_id) return OkStatus();
      break;
    case Role::kRestaurant:
      if (o.restaurant_id == who.restaurant_id) return OkStatus();
      break;
    case Role::kRider:
      if (o.rider_id == who.user_id) return OkStatus();
      break;
  }
  return Error::Forbidden("this order belongs to someone else");
}

Result<Actor> OrderService::ActorFor(const Principal& who, const Order& o, Action action) const {
  switch (who.role) {
    case Role::kAdmin:
      return Actor::kAdmin;
    case Role::kCustomer:
      if (o.customer_id != who.user_id) return Error::Forbidden("this order belongs to someone else");
      return Actor::kCustomer;
    case Role::kRestaurant:
      if (o.restaurant_id != who.restaurant_id)
        return Error::Forbidden("this order is for another restaurant");
      return Actor::kRestaurant;
    case Role::kRider:
      if (o.rider_id != who.user_id) {
        return Error::Forbidden(fmt::format("only the assigned rider may {} this order", ActionName(action)));
      }
      return Actor::kRider;
  }
  return Error::Forbidden("unknown role");
}

Result<Order> OrderService::Get(const Principal& who, const std::string& order_id) {
  HP_ASSIGN(auto o,
            db_.Read<std::optional<Order>>([&](Connection& c) { return store::LoadOrder(c, order_id); }));
  if (!o) return Error::NotFound(fmt::format("no order with id '{}'", order_id));
  HP_TRY(CanView(who, *o));
  return std::move(*o);
}

Result<std::string> OrderService::GetJson(const Principal& who, const std::string& order_id) {
  auto serve = [](const Order& o) { return boost::json::serialize(OrderJson(o)); };
  if (!shared_) {
    HP_ASSIGN(auto o, Get(who, order_id));
    return serve(o);
  }
  // Cached with the parties who may see it ("customer\nrestaurant\nrider\n<json>"), checked on every read.
  HP_ASSIGN(auto cached, shared_->Get("order:" + order_id, "", [&]() -> Result<std::string> {
    HP_ASSIGN(auto o, db_.Read<std::optional<Order>>([&](Connection& c) { return store::LoadOrder(c, order_id); }));
    if (!o) return Error::NotFound(fmt::format("no order with id '{}'", order_id));
    return fmt::format("{}\n{}\n{}\n{}", o->customer_id, o->restaurant_id, o->rider_id, serve(*o));
  }));
  Order parties;
  std::size_t at = 0;
  for (std::string* field : {&parties.customer_id, &parties.restaurant_id, &parties.rider_id}) {
    auto nl = cached.find('\n', at);
    if (nl == std::string::npos) return Error::Internal("malformed cached order");
    *field = cached.substr(at, nl - at);
    at = nl + 1;
  }
  HP_TRY(CanView(who, parties));
  return cached.substr(at);
}

Result<std::vector<std::string>> OrderService::ChangedSince(Millis since) {
  return db_.Read<std::vector<std::string>>([&](Connection& c) -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    HP_TRY(c.Query(kChangedSinceSql, {since},
                   [&](const storage::Row& r) { ids.push_back(r.Text(0)); }));
    return ids;
  });
}

Result<std::vector<OrderEvent>> OrderService::EventsAfter(const Principal& who, const std::string& order_id,
                                                          std::int64_t after_seq) {
  HP_TRY(Get(who, order_id));
  return db_.ReadReplica<std::vector<OrderEvent>>(
      [&](Connection& c) { return store::EventsAfter(c, order_id, after_seq); });
}

Result<Order> OrderService::Act(const Principal& who, const std::string& order_id, Action action,
                                const ActionArgs& args) {
  Millis now = clock_.NowMillis();
  std::optional<PaymentStatus> settle;
  ChangeMarks marks(shared_, {order_id});
  auto r = db_.Write<Order>([&](Connection& c) -> Result<Order> {
    settle.reset();
    HP_ASSIGN(auto loaded, store::LoadOrder(c, order_id));
    if (!loaded) return Error::NotFound(fmt::format("no order with id '{}'", order_id));
    Order o = std::move(*loaded);
    HP_ASSIGN(Actor actor, ActorFor(who, o, action));
    HP_ASSIGN(OrderStatus next, Transition(o.status, action, actor));
    if (action == Action::kPickup && o.rider_id.empty())
      return Error::Conflict("no rider is assigned to this order");
    if (action == Action::kAccept) o.prep_minutes = args.prep_minutes;
    o.status = next;
    ++o.version;
    o.updated_at = now;
    HP_TRY(store::UpdateOrder(c, o));
    HistoryEntry h{next, fmt::format("{}:{}", ActorName(actor), who.user_id), args.reason, now};
    HP_TRY(store::AppendHistory(c, o.id, h));
    o.history.push_back(h);
    if (next == OrderStatus::kDelivered) settle = PaymentStatus::kCaptured;
    if ((next == OrderStatus::kCancelled || next == OrderStatus::kRejected) && o.payment &&
        o.payment->status == PaymentStatus::kAuthorized) {
      settle = PaymentStatus::kVoided;
    }
    if (settle) {
      HP_ASSIGN(o.payment, payments::MovePayment(c, o.id, *settle, now));
    }
    if ((next == OrderStatus::kDelivered || next == OrderStatus::kCancelled) && !o.rider_id.empty()) {
      // A rider carrying a bundle stays busy until its last order is done.
      HP_ASSIGN(bool carrying, store::RiderHasOtherOrders(c, o.rider_id, o.id));
      if (!carrying) HP_TRY(fleet_.ReleaseRider(c, o.rider_id, now));
    }
    std::string extra = "{}";
    if (!args.reason.empty() || args.prep_minutes) {
      boost::json::object x;
      if (!args.reason.empty()) x["reason"] = args.reason;
      if (args.prep_minutes && action == Action::kAccept) x["prep_minutes"] = *args.prep_minutes;
      extra = boost::json::serialize(x);
    }
    HP_ASSIGN(auto ev, store::AppendEvent(c, o, fmt::format("order.{}", StatusName(next)), now, extra));
    c.AfterCommit([this, ev] { hub_.Publish(ev); });
    return o;
  });
  marks.End();
  if (!r.ok()) return r;
  if (settle) SettlePayment(*r, *settle);
  if (wake_assigner_ && (r->status == OrderStatus::kAccepted || r->status == OrderStatus::kDelivered ||
                         r->status == OrderStatus::kCancelled)) {
    wake_assigner_();
  }
  return r;
}

void OrderService::SettlePayment(const Order& o, PaymentStatus to) {
  if (!o.payment) return;
  Status st = to == PaymentStatus::kCaptured   ? provider_.Capture(o.payment->provider_ref, o.payment->amount)
              : to == PaymentStatus::kRefunded ? provider_.Refund(o.payment->provider_ref, o.payment->amount)
                                               : provider_.Void(o.payment->provider_ref);
  if (!st.ok()) {
    // The ledger already says what must happen; a reconciler retries the processor call.
    log_.Error("payment processor call failed", {{"order_id", o.id},
                                                 {"operation", std::string(payments::StatusName(to))},
                                                 {"error", st.error().message}});
  }
}

Result<Order> OrderService::Refund(const Principal& who, const std::string& order_id) {
  HP_TRY(identity::RequireRole(who, {Role::kAdmin}));
  Millis now = clock_.NowMillis();
  ChangeMarks marks(shared_, {order_id});
  auto r = db_.Write<Order>([&](Connection& c) -> Result<Order> {
    HP_ASSIGN(auto loaded, store::LoadOrder(c, order_id));
    if (!loaded) return Error::NotFound(fmt::format("no order with id '{}'", order_id));
    Order o = std::move(*loaded);
    if (o.status != OrderStatus::kDelivered) {
      Error e = Error::Conflict(
          fmt::format("only delivered orders are refunded; this one is {}", StatusName(o.status)));
      e.extras.emplace_back("current_status", fmt::format("\"{}\"", StatusName(o.status)));
      return e;
    }
    HP_ASSIGN(o.payment, payments::MovePayment(c, o.id, PaymentStatus::kRefunded, now));
    ++o.version;
    o.updated_at = now;
    HP_TRY(store::UpdateOrder(c, o));
    HP_ASSIGN(auto ev, store::AppendEvent(c, o, "order.refunded", now));
    c.AfterCommit([this, ev] { hub_.Publish(ev); });
    return o;
  });
  marks.End();
  if (r.ok()) SettlePayment(*r, PaymentStatus::kRefunded);
  return r;
}

Result<bool> OrderService::RecordRiderMilestone(const std::string& order_id, const std::string& rider_id,
                                                std::string_view type, const std::string& extra_json_members) {
  Millis now = clock_.NowMillis();
  return db_.Write<bool>([&](Connection& c) -> Result<bool> {
    HP_ASSIGN(auto loaded, store::LoadOrder(c, order_id));
    if (!loaded || loaded->rider_id != rider_id || IsFinal(loaded->status)) return false;
    bool seen = false;
    HP_TRY(c.Query("SELECT 1 FROM outbox WHERE key = ? AND type = ? LIMIT 1", {order_id, std::string(type)},
                   [&](const storage::Row&) { seen = true; }));
    if (seen) return false;
    HP_ASSIGN(auto ev, store::AppendEvent(c, *loaded, type, now, extra_json_members));
    c.AfterCommit([this, ev] { hub_.Publish(ev); });
    return true;
  });
}

Result<std::vector<store::Unassigned>> OrderService::Unassigned(int limit) {
  return db_.Read<std::vector<store::Unassigned>>(
      [limit](Connection& c) { return store::UnassignedOrders(c, limit); });
}

Result<std::vector<Order>> OrderService::AssignBundle(const std::vector<std::string>& order_ids,
                                                      const std::string& rider_id,
                                                      const std::string& extra_json_members) {
  if (order_ids.empty()) return Error::Invalid("a bundle needs at least one order");
  Millis now = clock_.NowMillis();
  ChangeMarks marks(shared_, order_ids);
  return db_.Write<std::vector<Order>>([&](Connection& c) -> Result<std::vector<Order>> {
    std::vector<Order> out;
    for (const auto& id : order_ids) {
      HP_ASSIGN(auto loaded, store::LoadOrder(c, id));
      if (!loaded) return Error::Conflict(fmt::format("order {} no longer exists", id));
      if (!loaded->rider_id.empty()) return Error::Conflict(fmt::format("order {} already has a rider", id));
      if (loaded->status != OrderStatus::kAccepted && loaded->status != OrderStatus::kReady) {
        return Error::Conflict(
            fmt::format("order {} is {} and no longer waits for a rider", id, StatusName(loaded->status)));
      }
      out.push_back(std::move(*loaded));
    }
    HP_TRY(fleet_.ClaimRider(c, rider_id, now));
    for (auto& o : out) {
      o.rider_id = rider_id;
      ++o.version;
      o.updated_at = now;
      HP_TRY(store::UpdateOrder(c, o));
      HP_ASSIGN(auto ev, store::AppendEvent(c, o, "order.rider_assigned", now, extra_json_members));
      c.AfterCommit([this, ev] { hub_.Publish(ev); });
    }
    return out;
  });
}

Result<int> OrderService::AssignPending() {
  HP_ASSIGN(auto pending, db_.Read<std::vector<store::Unassigned>>(
                              [](Connection& c) { return store::UnassignedOrders(c, 500); }));
  if (pending.empty()) return 0;
  std::map<std::string, std::vector<fleet::Rider>> free_by_zone;
  std::set<std::string> used;
  int assigned = 0;
  for (const auto& u : pending) {
    auto zone_it = free_by_zone.find(u.zone_id);
    if (zone_it == free_by_zone.end()) {
      HP_ASSIGN(auto riders, fleet_.Available(u.zone_id));
      zone_it = free_by_zone.emplace(u.zone_id, std::move(riders)).first;
    }
    const fleet::Rider* best = nullptr;
    double best_d = 0;
    for (const auto& r : zone_it->second) {
      if (used.contains(r.id) || !r.position) continue;
      double d = geo::DistanceMeters(*r.position, u.restaurant);
      if (!best || d < best_d || (d == best_d && r.id < best->id)) {
        best = &r;
        best_d = d;
      }
    }
    if (!best) continue;
    used.insert(best->id);
    Millis now = clock_.NowMillis();
    std::string rider_id = best->id;
    ChangeMarks marks(shared_, {u.order_id});
    auto r = db_.Write<bool>([&](Connection& c) -> Result<bool> {
      HP_ASSIGN(auto loaded, store::LoadOrder(c, u.order_id));
      if (!loaded || !loaded->rider_id.empty() ||
          (loaded->status != OrderStatus::kAccepted && loaded->status != OrderStatus::kReady)) {
        return false;
      }
      Order o = std::move(*loaded);
      auto claimed = fleet_.ClaimRider(c, rider_id, now);
      if (!claimed.ok()) return false;
      o.rider_id = rider_id;
      ++o.version;
      o.updated_at = now;
      HP_TRY(store::UpdateOrder(c, o));
      HP_ASSIGN(auto ev,
                store::AppendEvent(c, o, "order.rider_assigned", now,
                                   fmt::format("{{\"distance_m\":{}}}", static_cast<std::int64_t>(best_d))));
      c.AfterCommit([this, ev] { hub_.Publish(ev); });
      return true;
    });
    if (!r.ok()) return std::move(r).error();
    if (*r) ++assigned;
  }
  return assigned;
}

}  // namespace hotpath::orders
