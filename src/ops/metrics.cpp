#include "ops/metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <sstream>

namespace hotpath::ops {
namespace {

template <typename Builder>
auto& Build(Builder builder, prometheus::Registry& registry, std::vector<prometheus::MetricFamily>& declared,
            prometheus::MetricType type, const char* name, const char* help) {
  prometheus::MetricFamily empty;
  empty.name = name;
  empty.help = help;
  empty.type = type;
  declared.push_back(std::move(empty));
  return builder.Name(name).Help(help).Register(registry);
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
  return kBuckets;
}

const prometheus::Histogram::BucketBoundaries& DeliveryBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{60,   120,  300,  600,  900,  1200,
                                                                1500, 1800, 2400, 3000, 3600, 5400};
  return kBuckets;
}

const prometheus::Histogram::BucketBoundaries& EpochBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                0.25,  0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_http_requests_total",
                      "HTTP requests by route template, method and status")),
      durations_(Build(prometheus::BuildHistogram(), *registry_, declared_, prometheus::MetricType::Histogram, "hotpath_http_request_duration_seconds",
                       "HTTP request latency by route template")),
      orders_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_orders_total",
                    "Order status changes by new status")),
      orders_open_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_orders_open",
                         "Orders placed and not yet delivered, cancelled or rejected, by zone")),
      riders_online_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_riders_online",
                           "Riders online (available or busy) by zone")),
      zone_unserved_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_zone_unserved",
                           "1 when the zone has open orders and no rider online, else 0")),
      click_to_door_(Build(prometheus::BuildHistogram(), *registry_, declared_, prometheus::MetricType::Histogram, "hotpath_order_click_to_door_seconds",
                           "Time from placement to delivery by zone")),
      ready_to_pickup_(Build(prometheus::BuildHistogram(), *registry_, declared_, prometheus::MetricType::Histogram, "hotpath_order_ready_to_pickup_seconds",
                             "Time from ready to picked up by zone")),
      function_invocations_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_function_invocations_total",
                                  "Function (event consumer) invocations by function and result")),
      function_lag_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_function_lag",
                          "Events published and not yet handled, by function")),
      function_paused_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_function_paused",
                             "1 while an operator has paused the function (its consumer reads nothing), else 0")),
      dead_letters_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_function_dead_letters_total",
                          "Events sent to the dead-letter topic, by function")),
      function_durations_(Build(prometheus::BuildHistogram(), *registry_, declared_, prometheus::MetricType::Histogram,
                                "hotpath_function_duration_seconds", "Duration of one function attempt, by function")),
      dispatch_epoch_(Build(prometheus::BuildHistogram(), *registry_, declared_, prometheus::MetricType::Histogram, "hotpath_dispatch_epoch_seconds",
                            "Duration of one dispatch optimisation epoch")),
      alarm_state_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_alarm_state",
                         "Alarm state: 0 OK, 1 ALARM, -1 INSUFFICIENT_DATA")),
      db_reads_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_db_reads_total",
                      "Read transactions served by each database server (PostgreSQL primary or replica)")),
      fee_multiplier_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge,
                            "hotpath_delivery_fee_multiplier", "Dynamic delivery fee multiplier by zone (1 = distance fee)")),
      demand_model_age_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge,
                              "hotpath_demand_model_age_seconds", "Age of the demand forecast model file")),
      tracking_fixes_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_fixes_total",
                     "Rider location fixes by result: applied, or flagged as an implausible jump")),
      tracking_rejected_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_batches_rejected_total",
                     "Fix batches refused (a rejected fix, or the rider offline)")),
      tracking_trail_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_trail_points_total",
                     "Downsampled trail points written")),
      tracking_published_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_fixes_published_total",
                     "Fixes published to the riders.locations topic")),
      tracking_dropped_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_fixes_dropped_total",
                     "Fixes not published (backlog full or bus unavailable)")),
      tracking_riders_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_tracking_riders_indexed",
                     "Riders in the geo index")),
      tracking_watchers_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_tracking_watchers",
                     "Live order-tracking subscriptions (SSE and WebSocket)")),
      tracking_positions_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_positions_sent_total",
                     "Rider positions sent to tracking subscribers")),
      tracking_coalesced_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_tracking_positions_coalesced_total",
                     "Positions replaced by a newer one while held back by the pacer")),
      stream_connections_(Build(prometheus::BuildGauge(), *registry_, declared_, prometheus::MetricType::Gauge, "hotpath_stream_connections",
                     "Open streams by kind (websocket, sse)")),
      stream_overflows_(Build(prometheus::BuildCounter(), *registry_, declared_, prometheus::MetricType::Counter, "hotpath_stream_overflow_disconnects_total",
                     "Streams disconnected because their queue overflowed (a too slow client)")),
      epoch_(&dispatch_epoch_.Add({}, EpochBuckets())) {}

void Metrics::SetFeeMultiplier(const std::string& zone, double multiplier) {
  fee_multiplier_.Add({{"zone", zone}}).Set(multiplier);
}

void Metrics::SetDemandModelAge(double seconds) { demand_model_age_.Add({}).Set(seconds); }

void Metrics::SetDatabaseReads(const std::vector<std::pair<std::string, std::int64_t>>& reads) {
  for (const auto& [server, n] : reads) {
    auto& counter = db_reads_.Add({{"server", server}});
    double delta = static_cast<double>(n) - counter.Value();
    if (delta > 0) counter.Increment(delta);
  }
}

namespace {
void CatchUp(prometheus::Counter& counter, std::uint64_t total) {
  const double delta = static_cast<double>(total) - counter.Value();
  if (delta > 0) counter.Increment(delta);
}
}  // namespace

void Metrics::SetTracking(const TrackingSample& s) {
  CatchUp(tracking_fixes_.Add({{"result", "applied"}}), s.fixes_applied);
  CatchUp(tracking_fixes_.Add({{"result", "flagged"}}), s.fixes_flagged);
  CatchUp(tracking_rejected_.Add({}), s.batches_rejected);
  CatchUp(tracking_trail_.Add({}), s.trail_points);
  CatchUp(tracking_published_.Add({}), s.fixes_published);
  CatchUp(tracking_dropped_.Add({}), s.fixes_dropped);
  CatchUp(tracking_positions_.Add({}), s.positions_sent);
  CatchUp(tracking_coalesced_.Add({}), s.positions_coalesced);
  CatchUp(stream_overflows_.Add({}), s.overflow_disconnects);
  tracking_riders_.Add({}).Set(static_cast<double>(s.riders_indexed));
  tracking_watchers_.Add({}).Set(static_cast<double>(s.watchers));
  stream_connections_.Add({{"kind", "websocket"}}).Set(static_cast<double>(s.websockets));
  stream_connections_.Add({{"kind", "sse"}}).Set(static_cast<double>(s.event_streams));
}

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int status,
                             double seconds) {
  // The series of a (method, status, route) are resolved once and then found under a shared lock:
  // no label map, no family mutex, no allocation per request (the key is built in a per-thread buffer).
  thread_local std::string key;
  key.assign(method);
  key.push_back(' ');
  std::array<char, 16> digits{};
  key.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), status).ptr);
  key.push_back(' ');
  key.append(route);
  RequestSeries series{};
  {
    std::shared_lock lock(request_series_mu_);
    if (auto it = request_series_.find(key); it != request_series_.end()) series = it->second;
  }
  if (series.count == nullptr) {
    const std::string label = route.empty() ? "unmatched" : route;
    series.count = &requests_.Add({{"route", label}, {"method", method}, {"status", std::to_string(status)}});
    series.duration = &durations_.Add({{"route", label}}, LatencyBuckets());
    std::unique_lock lock(request_series_mu_);
    request_series_.emplace(key, series);
  }
  series.count->Increment();
  series.duration->Observe(seconds);
}

void Metrics::CountOrderStatus(const std::string& status) { orders_.Add({{"status", status}}).Increment(); }

void Metrics::CountOrderEvent(std::string_view type) {
  constexpr std::string_view kPrefix = "order.";
  if (type.starts_with(kPrefix)) CountOrderStatus(std::string(type.substr(kPrefix.size())));
}

void Metrics::TimeOrderEvent(std::string_view type, const std::string& order_id, const std::string& zone,
                             std::int64_t now_ms) {
  constexpr std::string_view kPrefix = "order.";
  if (!type.starts_with(kPrefix)) return;
  const std::string_view status = type.substr(kPrefix.size());
  std::optional<std::pair<std::string, double>> click_to_door;
  std::optional<std::pair<std::string, double>> ready_to_pickup;
  {
    std::lock_guard lock(timings_mu_);
    if (status == "placed") {
      timings_[order_id] = Timing{now_ms, 0, zone};
      return;
    }
    auto it = timings_.find(order_id);
    if (it == timings_.end()) return;
    Timing& t = it->second;
    if (status == "ready") {
      t.ready_ms = now_ms;
    } else if (status == "picked_up" && t.ready_ms > 0) {
      ready_to_pickup.emplace(t.zone, static_cast<double>(now_ms - t.ready_ms) / 1000.0);
    } else if (status == "delivered") {
      click_to_door.emplace(t.zone, static_cast<double>(now_ms - t.placed_ms) / 1000.0);
      timings_.erase(it);
    } else if (status == "cancelled" || status == "rejected") {
      timings_.erase(it);
    }
  }
  if (click_to_door)
    click_to_door_.Add({{"zone", click_to_door->first}}, DeliveryBuckets()).Observe(click_to_door->second);
  if (ready_to_pickup)
    ready_to_pickup_.Add({{"zone", ready_to_pickup->first}}, DeliveryBuckets()).Observe(ready_to_pickup->second);
}

void Metrics::SetZoneLoad(const std::vector<ZoneLoad>& zones) {
  for (const auto& z : zones) {
    riders_online_.Add({{"zone", z.zone}}).Set(static_cast<double>(z.riders_online));
    orders_open_.Add({{"zone", z.zone}}).Set(static_cast<double>(z.open_orders));
    zone_unserved_.Add({{"zone", z.zone}}).Set(z.open_orders > 0 && z.riders_online == 0 ? 1.0 : 0.0);
  }
}

void Metrics::CountFunctionInvocation(const std::string& function, const std::string& result) {
  function_invocations_.Add({{"function", function}, {"result", result}}).Increment();
}

void Metrics::SetFunctionLag(const std::string& function, double lag) {
  function_lag_.Add({{"function", function}}).Set(lag);
}

void Metrics::SetFunctionPaused(const std::string& function, bool paused) {
  function_paused_.Add({{"function", function}}).Set(paused ? 1.0 : 0.0);
}

void Metrics::ObserveFunctionDuration(const std::string& function, double seconds) {
  function_durations_.Add({{"function", function}}, LatencyBuckets()).Observe(seconds);
}

void Metrics::CountDeadLetter(const std::string& function) { dead_letters_.Add({{"function", function}}).Increment(); }

void Metrics::ObserveDispatchEpoch(double seconds) { epoch_->Observe(seconds); }

void Metrics::SetAlarmState(const std::string& alarm, int state) {
  alarm_state_.Add({{"alarm", alarm}}).Set(state);
}

void Metrics::RemoveAlarm(const std::string& alarm) {
  auto& gauge = alarm_state_.Add({{"alarm", alarm}});
  alarm_state_.Remove(&gauge);
}

void Metrics::SetRefresher(std::function<void()> refresh) { refresh_ = std::move(refresh); }

void Metrics::Refresh() const {
  if (!refresh_) return;
  std::lock_guard lock(refresh_mu_);
  refresh_();
}

std::vector<prometheus::MetricFamily> Metrics::Collect() const {
  Refresh();
  return registry_->Collect();
}

std::vector<prometheus::MetricFamily> Metrics::CollectAll() const {
  auto families = Collect();
  // prometheus-cpp leaves out families with no series yet; announce them anyway (HELP and TYPE
  // with no samples is valid exposition) so scrapers and rule checks see every documented name.
  for (const auto& declared : declared_) {
    const bool present = std::any_of(families.begin(), families.end(),
                                     [&](const prometheus::MetricFamily& f) { return f.name == declared.name; });
    if (!present) families.push_back(declared);
  }
  return families;
}

std::string Metrics::Render() const {
  auto families = CollectAll();
  prometheus::TextSerializer serializer;
  std::ostringstream out;
  serializer.Serialize(out, families);
  return out.str();
}

}  // namespace hotpath::ops
