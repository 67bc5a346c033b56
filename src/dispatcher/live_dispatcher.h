#pragma once
// The live dispatcher (issue #5): every epoch it snapshots, per zone, the orders waiting for a rider
// and the idle riders without a pending offer, runs the dispatch engine, and offers each committed
// bundle to its rider over the /v1/ws WebSocket (and GET /v1/offers). The rider accepts or declines
// within the offer timeout; an accepted offer assigns the rider to the orders (an
// `order.rider_assigned` event per order, as before); declined and expired offers simply leave their
// orders to the next epoch, and the rider gets no new offer for the cooldown.
// Threads: one loop thread runs the epochs; Accept/Decline and the WebSocket hooks run on request
// threads. Shared state is the OfferBook (own lock), plans_ and sockets_ (mu_).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "catalog/catalog_service.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/periodic_worker.h"
#include "dispatch/options.h"
#include "dispatch/plan.h"
#include "dispatch/snapshot.h"
#include "dispatcher/offer_book.h"
#include "fleet/fleet_service.h"
#include "orders/order_service.h"
#include "orders/ws_extension.h"

namespace hotpath::dispatcher {

struct Settings {
  std::chrono::milliseconds epoch{2000};
  std::chrono::milliseconds solve_budget{200};
  Millis offer_timeout_ms = 30000;
  Millis decline_cooldown_ms = 60000;
  double rider_speed_kmh = 18.0;
  int max_bundle_size = 3;
  dispatch::ServiceTimes service{2 * dispatch::kMinute, 2 * dispatch::kMinute};
};

struct PlannedBundle {
  std::string rider_id;
  std::string restaurant_id;
  std::vector<std::string> order_ids;
  Millis depart_at = 0;
  Millis pickup_at = 0;
  std::vector<Millis> dropoff_at;
  double cost = 0;
  std::string reason;
  std::string offer_id;  // committed bundles only
};

// The last epoch's decisions for one zone.
struct ZonePlan {
  std::string zone_id;
  Millis computed_at = 0;
  int orders = 0;  // waiting orders given to the engine
  int riders = 0;  // idle riders given to the engine
  dispatch::SolveStats stats;
  std::vector<PlannedBundle> committed;  // offered this epoch
  std::vector<PlannedBundle> tentative;  // current intention, re-planned next epoch
  std::vector<std::pair<std::string, std::string>> postponed;  // (order id, reason)
};

struct Accepted {
  Offer offer;
  std::vector<orders::Order> orders;
};

class LiveDispatcher final : public orders::WsExtension {
 public:
  LiveDispatcher(orders::OrderService& orders, fleet::FleetService& fleet, const Clock& clock, const Logger& log,
                 Settings settings, std::function<void(double)> observe_epoch_seconds);
  ~LiveDispatcher() override;

  void Start();
  void Stop();
  // Run an epoch soon (an order was accepted, a rider became free, an offer was declined).
  void Wake();
  // One epoch now, on the caller's thread (the loop calls it; tests may too).
  void RunEpoch();

  Result<Accepted> Accept(const identity::Principal& rider, const std::string& offer_id);
  Result<Offer> Decline(const identity::Principal& rider, const std::string& offer_id);
  [[nodiscard]] std::vector<Offer> PendingFor(const std::string& rider_id) const;
  [[nodiscard]] std::vector<Offer> PendingInZone(const std::string& zone_id) const;
  // The last plan of the zone (empty, computed at the last epoch, if it had no waiting orders).
  [[nodiscard]] ZonePlan PlanFor(const std::string& zone_id) const;
  [[nodiscard]] const Settings& settings() const { return settings_; }

  // orders::WsExtension: riders' sockets receive offers; accept_offer / decline_offer messages.
  void OnOpen(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who) override;
  bool OnMessage(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who, std::string_view type,
                 const boost::json::object& message) override;
  void OnClose(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who) override;

 private:
  void PlanZone(const std::string& zone_id, const std::vector<orders::store::Unassigned>& waiting,
                const std::set<std::string>& busy_riders, Millis now, std::map<std::string, ZonePlan>& plans);
  void SendToRider(const std::string& rider_id, const std::string& text);

  orders::OrderService& orders_;
  fleet::FleetService& fleet_;
  const Clock& clock_;
  const Logger& log_;
  Settings settings_;
  dispatch::Options options_;
  std::function<void(double)> observe_epoch_;
  OfferBook book_;

  mutable std::mutex mu_;
  std::map<std::string, ZonePlan> plans_;  // guarded by mu_
  Millis last_epoch_at_ = 0;               // guarded by mu_
  std::map<std::string, std::vector<std::weak_ptr<net::WebSocket>>> sockets_;  // guarded by mu_: rider -> sockets

  PeriodicWorker worker_;  // runs RunEpoch; last, so its thread stops before the members it uses go
};

}  // namespace hotpath::dispatcher
