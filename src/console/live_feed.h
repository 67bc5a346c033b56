#pragma once
// The console's live view over a WebSocket: GET /v1/ops/live (admin; browsers pass the token as
// ?access_token=). On connect the socket gets a "hello" (zones with polygons, restaurants, the
// tariff); then, while at least one console is connected, one "snapshot" per interval, built once
// and sent to every console: riders (position, status, zone), open orders, the dispatcher's current
// plan, per-zone figures (orders per minute, riders online, click-to-door and ready-to-pickup
// distributions), per-route request rate/errors/latency over the last interval, function lag and
// dead letters, and the alarms. Rows are compact arrays so 2,000 riders and 5,000 open orders stay
// well under a megabyte per snapshot; nothing is built when no console is connected.
//   riders: [[id, lat, lon, status]], orders: [[id, status, restaurant_id, drop_lat, drop_lon,
//   rider_id|null]], plan: [[rider_id, restaurant_id, [order ids], committed]]
// In a cluster's primary the snapshot also carries the autoscaler's state ("autoscaler": the
// controller's RUN_DIR/autoscale.json plus running/stale; {"running": false} when the cluster runs
// without autoscaling; null for a single process), and its figures (routes, functions, zone
// distributions) are the whole cluster's: SetMetricsSource gives the sum over the processes and
// the list of processes it adds up ("processes": [{process, role, state, pid, up}]; null for a single
// process).

#include <prometheus/histogram.h>

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "catalog/catalog_service.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/periodic_worker.h"
#include "dispatcher/live_dispatcher.h"
#include "identity/identity_service.h"
#include "net/router.h"
#include "ops/alarm_service.h"
#include "ops/metrics.h"
#include "storage/database.h"

namespace hotpath::console {

struct FeedTariff {
  std::string currency;
  std::int64_t base_fee = 0;
  std::int64_t fee_per_km = 0;
};

class LiveFeed {
 public:
  LiveFeed(storage::Database& db, catalog::CatalogService& catalog, ops::Metrics& metrics, ops::AlarmService& alarms,
           dispatcher::LiveDispatcher* dispatcher, const Clock& clock, const Logger& log, FeedTariff tariff,
           std::chrono::milliseconds interval, std::string autoscale_state_path = {});
  ~LiveFeed();
  void Register(net::Router& router, const identity::IdentityService& identity);
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;
  // Before Start: where the figures come from instead of this process's registry, and the
  // processes they cover.
  void SetMetricsSource(Collector collect, std::function<boost::json::value()> processes);
  void Start();
  void Stop();
  // One snapshot as JSON text (the loop sends it; tests and benchmarks may call it).
  Result<std::string> Snapshot();
  Result<std::string> Hello();

 private:
  void Broadcast();  // one snapshot to every console, when one is connected
  void Add(const std::shared_ptr<net::WebSocket>& ws);
  void Remove(const net::WebSocket* ws);

  storage::Database& db_;
  catalog::CatalogService& catalog_;
  ops::Metrics& metrics_;
  ops::AlarmService& alarms_;
  dispatcher::LiveDispatcher* dispatcher_;
  const Clock& clock_;
  const Logger& log_;
  FeedTariff tariff_;
  std::chrono::milliseconds interval_;
  std::string autoscale_state_path_;  // the cluster controller's RUN_DIR/autoscale.json; empty: no cluster
  Collector collect_;                                // empty: metrics_.Collect()
  std::function<boost::json::value()> processes_;  // empty: a single process

  std::mutex mu_;
  std::vector<std::weak_ptr<net::WebSocket>> sockets_;  // guarded by mu_

  prometheus::Histogram* build_seconds_;  // hotpath_console_snapshot_seconds
  std::mutex snap_mu_;  // one Snapshot at a time; guards the previous collection below
  std::vector<prometheus::MetricFamily> previous_;
  Millis previous_at_ = 0;
  PeriodicWorker worker_;  // runs Broadcast; last, so its thread stops before the members it uses go
};

}  // namespace hotpath::console
