#include "dispatcher/live_dispatcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/edge.h"
#include "dispatch/engine.h"
#include "dispatcher/dispatcher_json.h"
#include "dispatcher/snapshot_builder.h"
#include "orders/order_json.h"

namespace hotpath::dispatcher {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {
constexpr int kMaxWaitingOrders = 5000;
constexpr dispatch::Seconds kShiftLeft = 8 * 3600;  // riders have no shifts yet: on duty while online
constexpr std::chrono::milliseconds kMinGap{100};   // wake-ups closer than this share one epoch

std::string WsError(const Error& e) {
  auto problem = api::ErrorResponse(e);
  return bj::serialize(bj::object{{"type", "error"}, {"error", bj::parse(problem.body)}});
}

WaitingOrder ToWaiting(const orders::store::Unassigned& u, Millis now) {
  WaitingOrder w;
  w.id = u.order_id;
  w.restaurant_id = u.restaurant_id;
  w.restaurant = u.restaurant;
  w.delivery = u.delivery;
  w.placed_at = u.created_at;
  w.ready_at = u.status == orders::OrderStatus::kReady
                   ? std::min(now, u.accepted_at + Millis{u.prep_minutes} * 60000)
                   : u.accepted_at + Millis{u.prep_minutes} * 60000;
  w.promised_at = u.created_at + Millis{u.eta_minutes} * 60000;
  return w;
}

PlannedBundle ToBundle(const dispatch::Assignment& a, const ZoneSnapshot& z) {
  PlannedBundle b;
  b.rider_id = z.rider_ids.at(static_cast<std::size_t>(a.courier));
  b.restaurant_id = z.restaurant_ids.at(static_cast<std::size_t>(a.restaurant));
  for (auto id : a.orders) b.order_ids.push_back(z.order_ids.at(static_cast<std::size_t>(id)));
  b.depart_at = ToMillis(a.depart);
  b.pickup_at = ToMillis(a.pickup);
  for (auto t : a.dropoffs) b.dropoff_at.push_back(ToMillis(t));
  b.cost = a.cost;
  b.reason = a.reason;
  return b;
}
}  // namespace

LiveDispatcher::LiveDispatcher(orders::OrderService& orders, fleet::FleetService& fleet, const Clock& clock,
                               const Logger& log, Settings settings, std::function<void(double)> observe)
    : orders_(orders),
      fleet_(fleet),
      clock_(clock),
      log_(log),
      settings_(settings),
      observe_epoch_(std::move(observe)),
      book_(settings.decline_cooldown_ms, 10 * 60000),
      // An epoch every `epoch`, or soon after a wake-up; kMinGap lets a burst of wake-ups (many
      // orders accepted at once) land in one epoch.
      worker_({.period = settings_.epoch, .settle = kMinGap}, [this] { RunEpoch(); }) {
  options_.max_bundle_size = settings_.max_bundle_size;
  // Commit early enough that the rider can still answer the offer before leaving.
  auto epoch_s = std::chrono::duration_cast<std::chrono::seconds>(settings_.epoch).count() + 1;
  options_.commit_lead = std::max<dispatch::Seconds>(options_.commit_lead, epoch_s + settings_.offer_timeout_ms / 1000);
  options_.seed = 1;
}

LiveDispatcher::~LiveDispatcher() { Stop(); }

void LiveDispatcher::Start() { worker_.Start(); }

void LiveDispatcher::Stop() { worker_.Stop(); }

void LiveDispatcher::Wake() { worker_.Wake(); }

void LiveDispatcher::RunEpoch() {
  auto started = std::chrono::steady_clock::now();
  Millis now = clock_.NowMillis();
  for (const auto& expired : book_.ExpireDue(now)) {
    SendToRider(expired.rider_id,
                bj::serialize(bj::object{{"type", "offer_expired"}, {"offer", OfferJson(expired)}}));
  }
  // The offers first, the database second: an offer decided after this point was written to the
  // database before its rider and orders left these sets, so the reads below see its assignment.
  auto on_offer = book_.OrdersOnOffer();
  auto busy = book_.BusyRiders(now);
  auto waiting = orders_.Unassigned(kMaxWaitingOrders);
  if (!waiting.ok()) {
    log_.Warn("dispatch epoch: cannot read waiting orders", {{"error", waiting.error().message}});
    return;
  }
  std::map<std::string, std::vector<orders::store::Unassigned>> by_zone;
  for (auto& u : *waiting) {
    if (!on_offer.contains(u.order_id)) by_zone[u.zone_id].push_back(std::move(u));
  }
  std::map<std::string, ZonePlan> plans;
  for (const auto& [zone, list] : by_zone) PlanZone(zone, list, busy, now, plans);
  {
    std::lock_guard lock(mu_);
    plans_ = std::move(plans);
    last_epoch_at_ = now;
  }
  if (observe_epoch_) {
    observe_epoch_(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
}

void LiveDispatcher::PlanZone(const std::string& zone_id, const std::vector<orders::store::Unassigned>& waiting,
                              const std::set<std::string>& busy_riders, Millis now,
                              std::map<std::string, ZonePlan>& plans) {
  auto available = fleet_.Available(zone_id);
  if (!available.ok()) {
    log_.Warn("dispatch epoch: cannot read riders", {{"zone_id", zone_id}, {"error", available.error().message}});
    return;
  }
  std::vector<WaitingOrder> orders;
  orders.reserve(waiting.size());
  for (const auto& u : waiting) orders.push_back(ToWaiting(u, now));
  std::vector<IdleRider> riders;
  for (const auto& r : *available) {
    if (r.position && !busy_riders.contains(r.id)) riders.push_back({r.id, *r.position});
  }
  ZoneSnapshot z = BuildSnapshot(orders, riders, now, settings_.service, kShiftLeft);
  dispatch::StraightLineTravelTimes travel(settings_.rider_speed_kmh * 1000.0 / 60.0,
                                           dispatch::StraightLineTravelTimes::Rounding::kRoundUpToSecond);
  dispatch::Plan plan = dispatch::Solve(z.snapshot, travel, options_, dispatch::Deadline::After(settings_.solve_budget));

  ZonePlan& zp = plans[zone_id];
  zp.zone_id = zone_id;
  zp.computed_at = now;
  zp.orders = static_cast<int>(orders.size());
  zp.riders = static_cast<int>(riders.size());
  zp.stats = plan.stats;
  for (const auto& a : plan.committed) {
    PlannedBundle b = ToBundle(a, z);
    Offer offer;
    offer.rider_id = b.rider_id;
    offer.zone_id = zone_id;
    offer.restaurant_id = b.restaurant_id;
    offer.order_ids = b.order_ids;
    offer.created_at = now;
    offer.expires_at = now + settings_.offer_timeout_ms;
    offer.pickup_at = b.pickup_at;
    offer.dropoff_at = b.dropoff_at;
    offer.reason = b.reason;
    offer = book_.Add(std::move(offer));
    b.offer_id = offer.id;
    SendToRider(offer.rider_id, bj::serialize(bj::object{{"type", "offer"}, {"offer", OfferJson(offer)}}));
    zp.committed.push_back(std::move(b));
  }
  for (const auto& a : plan.tentative) zp.tentative.push_back(ToBundle(a, z));
  for (const auto& p : plan.postponed) {
    zp.postponed.emplace_back(z.order_ids.at(static_cast<std::size_t>(p.order)), p.reason);
  }
}

Result<Accepted> LiveDispatcher::Accept(const Principal& rider, const std::string& offer_id) {
  HP_TRY(identity::RequireRole(rider, {Role::kRider}));
  Millis now = clock_.NowMillis();
  HP_ASSIGN(Offer offer, book_.Take(offer_id, rider.user_id, now));
  auto assigned = orders_.AssignBundle(
      offer.order_ids, rider.user_id,
      bj::serialize(bj::object{{"offer_id", offer.id}, {"dispatch", "optimised"}}));
  if (assigned.ok()) {
    book_.Confirm(offer.id);
  } else {
    book_.Withdraw(offer.id, now);
    Wake();
    Error e = std::move(assigned).error();
    if (e.code == ErrorCode::kConflict) {
      e.message = "the offer is withdrawn: " + e.message;
      e.extras.emplace_back("offer_status", "\"withdrawn\"");
    }
    return e;
  }
  offer.assigning = false;
  return Accepted{std::move(offer), std::move(assigned).value()};
}

Result<Offer> LiveDispatcher::Decline(const Principal& rider, const std::string& offer_id) {
  HP_TRY(identity::RequireRole(rider, {Role::kRider}));
  HP_ASSIGN(Offer offer, book_.Decline(offer_id, rider.user_id, clock_.NowMillis()));
  Wake();
  return offer;
}

std::vector<Offer> LiveDispatcher::PendingFor(const std::string& rider_id) const {
  return book_.PendingFor(rider_id);
}

std::vector<Offer> LiveDispatcher::PendingInZone(const std::string& zone_id) const {
  return book_.PendingInZone(zone_id);
}

ZonePlan LiveDispatcher::PlanFor(const std::string& zone_id) const {
  std::lock_guard lock(mu_);
  if (auto it = plans_.find(zone_id); it != plans_.end()) return it->second;
  ZonePlan empty;
  empty.zone_id = zone_id;
  empty.computed_at = last_epoch_at_;
  return empty;
}

void LiveDispatcher::SendToRider(const std::string& rider_id, const std::string& text) {
  std::vector<std::shared_ptr<net::WebSocket>> targets;
  {
    std::lock_guard lock(mu_);
    auto it = sockets_.find(rider_id);
    if (it == sockets_.end()) return;
    for (const auto& w : it->second) {
      if (auto s = w.lock()) targets.push_back(std::move(s));
    }
  }
  for (const auto& s : targets) s->Send(text);
}

void LiveDispatcher::OnOpen(const std::shared_ptr<net::WebSocket>& ws, const Principal& who) {
  if (who.role != Role::kRider) return;
  {
    std::lock_guard lock(mu_);
    auto& list = sockets_[who.user_id];
    std::erase_if(list, [](const auto& w) { return w.expired(); });
    list.push_back(ws);
  }
  // A reconnecting rider app sees the offers still waiting for an answer.
  for (const auto& offer : book_.PendingFor(who.user_id)) {
    ws->Send(bj::serialize(bj::object{{"type", "offer"}, {"offer", OfferJson(offer)}}));
  }
}

void LiveDispatcher::OnClose(const std::shared_ptr<net::WebSocket>& ws, const Principal& who) {
  if (who.role != Role::kRider) return;
  std::lock_guard lock(mu_);
  auto it = sockets_.find(who.user_id);
  if (it == sockets_.end()) return;
  std::erase_if(it->second, [&](const auto& w) {
    auto s = w.lock();
    return !s || s == ws;
  });
  if (it->second.empty()) sockets_.erase(it);
}

bool LiveDispatcher::OnMessage(const std::shared_ptr<net::WebSocket>& ws, const Principal& who, std::string_view type,
                               const bj::object& message) {
  if (type != "accept_offer" && type != "decline_offer") return false;
  json::FieldErrors errors;
  json::ObjectReader r(message, errors);
  r.String("type", true, 1, 32);
  auto offer_id = r.String("offer_id", true, 1, 64);
  r.Done();
  if (auto st = errors.ToStatus(); !st.ok()) {
    ws->Send(WsError(st.error()));
    return true;
  }
  if (type == "accept_offer") {
    auto accepted = Accept(who, *offer_id);
    if (!accepted.ok()) {
      ws->Send(WsError(accepted.error()));
      return true;
    }
    Offer offer = accepted->offer;
    ws->Send(bj::serialize(bj::object{{"type", "offer_accepted"}, {"offer", OfferJson(offer)}}));
    return true;
  }
  auto declined = Decline(who, *offer_id);
  if (!declined.ok()) {
    ws->Send(WsError(declined.error()));
    return true;
  }
  ws->Send(bj::serialize(bj::object{{"type", "offer_declined"}, {"offer", OfferJson(*declined)}}));
  return true;
}

}  // namespace hotpath::dispatcher
