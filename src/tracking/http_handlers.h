#pragma once
// The tracking API: rider location ingest (POST /v1/riders/me/locations and the `locations`
// message of /v1/ws), the live fleet queries (GET /v1/riders/nearby, /v1/riders/in-box,
// /v1/zones/{id}/riders), and live order tracking (GET /v1/orders/{id}/track as Server-Sent Events,
// and the `track` / `untrack` messages of /v1/ws).

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "catalog/catalog_service.h"
#include "identity/identity_service.h"
#include "net/router.h"
#include "orders/ws_extension.h"
#include "orders/order_service.h"
#include "tracking/live_tracking.h"
#include "tracking/tracker.h"

namespace hotpath::tracking {

void RegisterRoutes(net::Router& router, Tracker& tracker, LiveTracking& live, orders::OrderService& orders,
                    catalog::CatalogService& catalog, const identity::IdentityService& identity);

// /v1/ws messages:
// - riders: {"type":"locations","fixes":[..],"ref":<any, echoed>} answered with
//   {"type":"locations_ack","ref":..,"accepted":n,"flagged":[..],"latest":..} or {"type":"error","ref":..,"error":problem};
// - anyone who may see the order: {"type":"track","order_id":..,"last_event_id":n?} answered with
//   {"type":"tracking","order_id":..}, then {"type":"event","order_id","id","event"} for status events and
//   {"type":"position","position":{..}} (at most 1/s, coalesced); {"type":"untrack","order_id":..}.
class TrackingWs final : public orders::WsExtension {
 public:
  TrackingWs(Tracker& tracker, LiveTracking& live, orders::OrderService& orders)
      : tracker_(tracker), live_(live), orders_(orders) {}
  void OnOpen(const std::shared_ptr<net::WebSocket>&, const identity::Principal&) override {}
  bool OnMessage(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who, std::string_view type,
                 const boost::json::object& message) override;
  void OnClose(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who) override;
  // Location batches only touch memory (the tracker, live tracking's queues): the I/O thread takes them.
  [[nodiscard]] bool HandlesInline(std::string_view type) const override { return type == "locations"; }

 private:
  void Track(const std::shared_ptr<net::WebSocket>& ws, const identity::Principal& who, const boost::json::object& m,
             bool track);
  Tracker& tracker_;
  LiveTracking& live_;
  orders::OrderService& orders_;
  std::mutex mu_;
  // guarded by mu_: per socket, order -> subscription
  std::unordered_map<const net::WebSocket*, std::map<std::string, std::shared_ptr<LiveTracking::Subscription>>> subs_;
};

}  // namespace hotpath::tracking
