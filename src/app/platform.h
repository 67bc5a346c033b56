#pragma once
// The component graph of `hotpath serve`, wired explicitly in one place: each component gets its
// dependencies through its constructor, and members are declared in construction order so they are
// destroyed in reverse.

#include <atomic>
#include <memory>

#include "assets/asset_service.h"
#include "cache/rate_limiter.h"
#include "cache/redis_cache.h"
#include "cache/redis_pubsub.h"
#include "cache/versioned_cache.h"
#include "catalog/catalog_service.h"
#include "cluster/peer_metrics.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "demand/demand_service.h"
#include "demand/fee_desk.h"
#include "dispatcher/live_dispatcher.h"
#include "console/live_feed.h"
#include "ops/alarm_service.h"
#include "events/event_bus.h"
#include "events/outbox_relay.h"
#include "fleet/fleet_service.h"
#include "functions/analytics.h"
#include "functions/channels.h"
#include "functions/controls.h"
#include "functions/notify.h"
#include "functions/order_status.h"
#include "functions/runtime.h"
#include "identity/identity_service.h"
#include "identity/tokens.h"
#include "net/router.h"
#include "net/server.h"
#include "objects/object_store.h"
#include "ops/metrics.h"
#include "orders/assigner.h"
#include "orders/cache_bumper.h"
#include "orders/live_hub.h"
#include "orders/order_service.h"
#include "orders/outbox_tail.h"
#include "orders/quote_token.h"
#include "payments/provider.h"
#include "storage/database.h"
#include "tracking/http_handlers.h"
#include "tracking/tracker.h"

namespace hotpath::app {

class Platform {
 public:
  static Result<std::unique_ptr<Platform>> Create(const Config& config, const Logger& log);
  ~Platform();

  // Binds the listener and starts background loops.
  Status Start();
  [[nodiscard]] std::uint16_t Port() const { return server_->Port(); }
  // Readiness goes false first (so a load balancer stops sending), then in-flight requests finish.
  void Stop();

  identity::IdentityService& identity() { return *identity_; }
  catalog::CatalogService& catalog() { return *catalog_; }
  fleet::FleetService& fleet() { return *fleet_; }
  tracking::Tracker& tracker() { return *tracker_; }
  orders::OrderService& orders() { return *orders_; }
  events::EventBus& bus() { return *bus_; }
  ops::AlarmService& alarms() { return *alarms_; }
  functions::Runtime* functions() { return functions_.get(); }
  const net::Router& router() const { return router_; }

 private:
  Platform(const Config& config, const Logger& log) : config_(config), log_(log) {}
  void RegisterOpsRoutes();
  void RefreshZoneLoad();  // riders online and open orders per zone, into the metrics
  void RefreshTracking();  // the tracker's, live tracking's and the server's stream figures, into the metrics
  void WakeDispatch();     // an order or a rider may now be matched
  demand::ZoneSignals ZoneSignalsFor(const std::string& zone);  // riders and forecast for the fee desk
  void SeedLiveDemand();   // live demand of the last minutes from the orders table
  Status OpenCache();      // the redis cache (when configured), its metrics and the rate limiter
  std::optional<net::Response> Admit(const net::Request& req);  // rate limits

  const Config config_;
  const Logger& log_;
  SystemClock clock_;
  ops::Metrics metrics_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::RedisCache> redis_;          // cache_url = redis://...; null for memory:
  std::unique_ptr<cache::VersionedCache> versioned_;  // menus, restaurant lists, orders (on redis_)
  std::unique_ptr<cache::RateLimiter> limiter_;       // null when every limit is 0
  prometheus::Counter* rate_limited_ = nullptr;       // hotpath_rate_limited_total
  std::unique_ptr<events::EventBus> bus_;
  std::unique_ptr<identity::TokenSigner> signer_;
  std::unique_ptr<identity::Revocations> revocations_;  // logout: database, plus Redis or memory
  std::unique_ptr<catalog::CatalogService> catalog_;
  std::unique_ptr<objects::ObjectStore> objects_;
  std::unique_ptr<assets::AssetService> assets_;
  std::unique_ptr<identity::IdentityService> identity_;
  std::unique_ptr<fleet::FleetService> fleet_;
  std::unique_ptr<tracking::Tracker> tracker_;
  payments::SandboxProvider payment_provider_;
  std::unique_ptr<orders::QuoteSigner> quote_signer_;  // quote_id tokens (key derived from the token secret)
  std::unique_ptr<demand::DemandService> demand_;      // forecasts, staffing; retrains in the primary
  std::unique_ptr<demand::FeeDesk> fee_desk_;          // dynamic delivery fee; fed by hub_'s event tap
  orders::LiveHub hub_;
  std::unique_ptr<orders::OrderService> orders_;
  std::unique_ptr<tracking::LiveTracking> live_;
  std::unique_ptr<tracking::TrackingWs> tracking_ws_;
  std::unique_ptr<orders::Assigner> assigner_;              // dispatch.mode = nearest
  std::unique_ptr<dispatcher::LiveDispatcher> dispatcher_;  // dispatch.mode = optimised
  net::Router router_;
  std::unique_ptr<net::Server> server_;
  prometheus::Gauge* in_flight_ = nullptr;  // hotpath_http_requests_in_flight (the autoscaler reads it)
  std::atomic<bool> ready_{false};
  std::unique_ptr<events::OutboxRelay> relay_;
  // The primary of a cluster: the other processes' /metrics, summed with ours for the alarms and the
  // console (used by alarms_ and feed_: declared before them).
  std::unique_ptr<cluster::PeerMetrics> peers_;
  std::unique_ptr<ops::FileAlarmStore> alarm_store_;
  std::unique_ptr<ops::AlarmService> alarms_;  // publishes on bus_: declared after it, destroyed before
  std::unique_ptr<console::LiveFeed> feed_;
  std::shared_ptr<functions::OrderStatusCache> order_status_;
  std::shared_ptr<functions::Analytics> analytics_;
  std::unique_ptr<functions::ChannelStore> channels_;
  std::unique_ptr<functions::Controls> controls_;
  std::unique_ptr<functions::Sender> sender_;
  std::shared_ptr<functions::Notify> notify_;
  std::unique_ptr<functions::Runtime> functions_;  // started by Start (it needs the bus)
  std::unique_ptr<orders::OutboxTail> tail_;  // roles primary and api (several processes, one database)
  std::unique_ptr<cache::RedisPubSub> pubsub_;  // redis and a tail: processes wake each other's tails
  std::unique_ptr<orders::CacheBumper> cache_bumper_;  // redis, outside api processes: order bumps at least once
};

// The config file's [[alarms]], validated ("config: alarms[1] (name): field reason").
Result<std::vector<ops::AlarmDefinition>> ConfigAlarms(const Config& config);

// Opens the database named by the config (creating the data directory) and migrates it.
// Opens the configured database; `migrate` applies pending migrations first.
Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config, bool migrate);
// The token secret from the config, or one generated once and kept in the data directory.
Result<std::string> TokenSecret(const Config& config);

}  // namespace hotpath::app
