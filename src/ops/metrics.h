#pragma once
// Process metrics on prometheus-cpp, exposed in the Prometheus text format at /metrics. Route
// labels are templates ("/v1/orders/{id}"), never raw paths, so cardinality stays bounded.
//
// Names other contexts record through this class (wired in app/platform.cpp), so that dashboards,
// alarms and the console can rely on them:
//   hotpath_http_requests_total{route,method,status}      counter
//   hotpath_http_request_duration_seconds{route}          histogram
//   hotpath_orders_total{status}                          counter, one per order event this process committed
//   hotpath_orders_open{zone}                             gauge (refreshed before each collection)
//   hotpath_riders_online{zone}                           gauge (refreshed before each collection)
//   hotpath_zone_unserved{zone}                           gauge: 1 when a zone has open orders and no rider online
//   hotpath_order_click_to_door_seconds{zone}             histogram, placed -> delivered (TimeOrderEvent)
//   hotpath_order_ready_to_pickup_seconds{zone}           histogram, ready -> picked up (TimeOrderEvent)
//   hotpath_function_invocations_total{function,result}   counter (result: ok | error | retry | dead_letter |
//                                                         duplicate); error = a failed attempt, retry = one scheduled
//   hotpath_function_duration_seconds{function}           histogram, one attempt of a function
//   hotpath_function_lag{function}                        gauge, events not yet handled
//   hotpath_function_paused{function}                     gauge: 1 while an operator has paused the function
//   hotpath_function_dead_letters_total{function}         counter
//   hotpath_dispatch_epoch_seconds                        histogram, one dispatch optimisation
//   hotpath_alarm_state{alarm}                            gauge: 0 OK, 1 ALARM, -1 INSUFFICIENT_DATA
//   hotpath_tracking_fixes_total{result}                  counter: location fixes applied | flagged (implausible jump)
//   hotpath_tracking_batches_rejected_total               counter: fix batches refused (bad fix, rider offline)
//   hotpath_tracking_trail_points_total                   counter: downsampled trail points written
//   hotpath_tracking_fixes_published_total                counter: fixes published to riders.locations
//   hotpath_tracking_fixes_dropped_total                  counter: fixes not published (backlog full, bus down)
//   hotpath_tracking_riders_indexed                       gauge: riders in the geo index
//   hotpath_tracking_watchers                             gauge: live order-tracking subscriptions
//   hotpath_tracking_positions_sent_total                 counter: rider positions sent to subscribers
//   hotpath_tracking_positions_coalesced_total            counter: positions replaced by a newer one while paced
//   hotpath_stream_connections{kind}                      gauge: open WebSocket (websocket) and SSE (sse) streams
//   hotpath_stream_overflow_disconnects_total             counter: streams dropped because their queue overflowed
// The tracking and stream figures are sampled from their owners before each collection (SetTracking).
// Registered by app/platform.cpp on the same registry (docs/cache.md):
//   hotpath_cache_errors_total                            counter, cache operations that failed (DB served)
//   hotpath_cache_up                                      gauge: 1 while the cache answers
//   hotpath_cache_requests_total{result}                  counter: hit | miss | bypass
//   hotpath_rate_limited_total                            counter, requests refused with 429
// Registered by cluster/peer_metrics.h in a cluster's primary:
//   hotpath_cluster_peer_up{process}                      gauge: 1 when the process's /metrics answered
// Thread-safe.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hotpath::ops {

struct TrackingSample {
  std::uint64_t fixes_applied = 0, fixes_flagged = 0, batches_rejected = 0, trail_points = 0, fixes_published = 0,
                fixes_dropped = 0, positions_sent = 0, positions_coalesced = 0, overflow_disconnects = 0;
  std::int64_t riders_indexed = 0, watchers = 0, websockets = 0, event_streams = 0;
};

struct ZoneLoad {
  std::string zone;
  std::int64_t riders_online = 0;
  std::int64_t open_orders = 0;
};

class Metrics {
 public:
  Metrics();
  void ObserveRequest(const std::string& method, const std::string& route, int status, double seconds);
  void CountOrderStatus(const std::string& status);
  // An order event (type "order.<status>") this process committed: counts the status.
  void CountOrderEvent(std::string_view type);
  // An order event (type "order.<status>") seen at `now_ms`, from whichever process committed it;
  // `zone` is the order's zone (read at "order.placed" only). Measures click-to-door and
  // ready-to-pickup per zone, so it must see both events of an order: in a cluster the primary
  // times every order from the shared outbox and the api processes time none. Timings of orders
  // placed before this process started are not measured.
  void TimeOrderEvent(std::string_view type, const std::string& order_id, const std::string& zone,
                      std::int64_t now_ms);
  void SetZoneLoad(const std::vector<ZoneLoad>& zones);
  void CountFunctionInvocation(const std::string& function, const std::string& result);
  void SetFunctionLag(const std::string& function, double lag);
  void SetFunctionPaused(const std::string& function, bool paused);
  void ObserveFunctionDuration(const std::string& function, double seconds);
  void CountDeadLetter(const std::string& function);
  void ObserveDispatchEpoch(double seconds);
  // state: 0 OK, 1 ALARM, -1 INSUFFICIENT_DATA.
  void SetAlarmState(const std::string& alarm, int state);
  void RemoveAlarm(const std::string& alarm);
  // The dynamic delivery fee's current multiplier of a zone (zones the fee desk has evaluated).
  void SetFeeMultiplier(const std::string& zone, double multiplier);
  // Age of the demand model file in seconds (not set while there is none).
  void SetDemandModelAge(double seconds);
  // Read transactions served so far by each database server ("primary", "replica0", ...).
  void SetDatabaseReads(const std::vector<std::pair<std::string, std::int64_t>>& reads);
  // The tracker's and the server's running totals (counters move by the difference) and gauges.
  void SetTracking(const TrackingSample& s);

  // Runs before each collection (Render, Collect): gauges read from the database are refreshed here.
  void SetRefresher(std::function<void()> refresh);
  [[nodiscard]] std::string Render() const;
  // Every metric family with its current values (the alarm sampler reads this).
  [[nodiscard]] std::vector<prometheus::MetricFamily> Collect() const;
  // Collect(), plus the declared families that have no series yet (with no samples).
  [[nodiscard]] std::vector<prometheus::MetricFamily> CollectAll() const;
  // The documented families, without series (names, types and help texts).
  [[nodiscard]] const std::vector<prometheus::MetricFamily>& Declared() const { return declared_; }
  prometheus::Registry& registry() { return *registry_; }

 private:
  void Refresh() const;

  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<prometheus::MetricFamily> declared_;  // every family, without series (see Render)
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& orders_;
  prometheus::Family<prometheus::Gauge>& orders_open_;
  prometheus::Family<prometheus::Gauge>& riders_online_;
  prometheus::Family<prometheus::Gauge>& zone_unserved_;
  prometheus::Family<prometheus::Histogram>& click_to_door_;
  prometheus::Family<prometheus::Histogram>& ready_to_pickup_;
  prometheus::Family<prometheus::Counter>& function_invocations_;
  prometheus::Family<prometheus::Gauge>& function_lag_;
  prometheus::Family<prometheus::Gauge>& function_paused_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Family<prometheus::Histogram>& function_durations_;
  prometheus::Family<prometheus::Histogram>& dispatch_epoch_;
  prometheus::Family<prometheus::Gauge>& alarm_state_;
  prometheus::Family<prometheus::Counter>& db_reads_;
  prometheus::Family<prometheus::Gauge>& fee_multiplier_;
  prometheus::Family<prometheus::Gauge>& demand_model_age_;
  prometheus::Family<prometheus::Counter>& tracking_fixes_;
  prometheus::Family<prometheus::Counter>& tracking_rejected_;
  prometheus::Family<prometheus::Counter>& tracking_trail_;
  prometheus::Family<prometheus::Counter>& tracking_published_;
  prometheus::Family<prometheus::Counter>& tracking_dropped_;
  prometheus::Family<prometheus::Gauge>& tracking_riders_;
  prometheus::Family<prometheus::Gauge>& tracking_watchers_;
  prometheus::Family<prometheus::Counter>& tracking_positions_;
  prometheus::Family<prometheus::Counter>& tracking_coalesced_;
  prometheus::Family<prometheus::Gauge>& stream_connections_;
  prometheus::Family<prometheus::Counter>& stream_overflows_;
  prometheus::Histogram* epoch_;

  // hotpath_http_requests_total and _duration_seconds series by "METHOD STATUS ROUTE" (ObserveRequest).
  struct RequestSeries {
    prometheus::Counter* count = nullptr;
    prometheus::Histogram* duration = nullptr;
  };
  std::shared_mutex request_series_mu_;
  std::unordered_map<std::string, RequestSeries> request_series_;  // guarded by request_series_mu_

  std::function<void()> refresh_;
  mutable std::mutex refresh_mu_;  // one refresh at a time

  struct Timing {
    std::int64_t placed_ms = 0;
    std::int64_t ready_ms = 0;
    std::string zone;
  };
  std::mutex timings_mu_;
  std::unordered_map<std::string, Timing> timings_;  // open orders seen placed; guarded by timings_mu_
};

}  // namespace hotpath::ops
