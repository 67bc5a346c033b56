#include "console/live_feed.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "api/edge.h"
#include "console/live_queries.h"
#include "identity/guard.h"
#include "ops/alarm_evaluator.h"

namespace hotpath::console {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

double Round(double v, double scale) { return std::round(v * scale) / scale; }

std::string Label(const prometheus::ClientMetric& m, std::string_view name) {
  for (const auto& l : m.label) {
    if (l.name == name) return l.value;
  }
  return {};
}

const prometheus::MetricFamily* Family(const std::vector<prometheus::MetricFamily>& fams, std::string_view name) {
  for (const auto& f : fams) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

struct Hist {
  double count = 0;
  std::map<double, double> buckets;
};

// Histograms of a family keyed by one label, series with the same key added up.
std::map<std::string, Hist> HistogramsBy(const std::vector<prometheus::MetricFamily>& fams, std::string_view name,
                                         std::string_view label) {
  std::map<std::string, Hist> out;
  const auto* f = Family(fams, name);
  if (!f) return out;
  for (const auto& m : f->metric) {
    Hist& h = out[Label(m, label)];
    h.count += static_cast<double>(m.histogram.sample_count);
    for (const auto& b : m.histogram.bucket) h.buckets[b.upper_bound] += static_cast<double>(b.cumulative_count);
  }
  return out;
}

// Per-bucket (not cumulative) counts of a histogram, for a bar chart; the last bound is +Inf.
bj::object Distribution(const Hist& h) {
  bj::array bounds;
  bj::array counts;
  double below = 0;
  for (const auto& [bound, cum] : h.buckets) {
    if (std::isinf(bound)) bounds.emplace_back(nullptr);
    else bounds.emplace_back(bound);
    counts.emplace_back(cum - below);
    below = cum;
  }
  return bj::object{{"bounds", std::move(bounds)}, {"counts", std::move(counts)}, {"count", h.count}};
}

// The cluster controller's autoscaler state (see the header); stale when it stopped writing.
bj::value AutoscalerState(const std::string& path, Millis now) {
  if (path.empty()) return nullptr;
  std::ifstream in(path);
  if (!in) return bj::object{{"running", false}};
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  bj::value v = bj::parse(text.str(), ec);
  if (ec || !v.is_object()) return bj::object{{"running", false}};
  auto& o = v.as_object();
  const auto* updated = o.if_contains("updated_ms");
  const auto* interval = o.if_contains("interval_ms");
  const std::int64_t every = interval && interval->is_int64() ? interval->as_int64() : 1000;
  o["running"] = true;
  o["stale"] = !updated || !updated->is_int64() || now - updated->as_int64() > std::max<std::int64_t>(10000, 5 * every);
  return v;
}
}  // namespace

LiveFeed::LiveFeed(storage::Database& db, catalog::CatalogService& catalog, ops::Metrics& metrics,
                   ops::AlarmService& alarms, dispatcher::LiveDispatcher* dispatcher, const Clock& clock,
                   const Logger& log, FeedTariff tariff, std::chrono::milliseconds interval,
                   std::string autoscale_state_path)
    : db_(db),
      catalog_(catalog),
      metrics_(metrics),
      alarms_(alarms),
      dispatcher_(dispatcher),
      clock_(clock),
      log_(log),
      tariff_(std::move(tariff)),
      interval_(interval),
      autoscale_state_path_(std::move(autoscale_state_path)),
      build_seconds_(&prometheus::BuildHistogram()
                          .Name("hotpath_console_snapshot_seconds")
                          .Help("Time to build one live console snapshot (database reads, metrics, JSON)")
                          .Register(metrics.registry())
                          .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                           0.1, 0.25, 0.5, 1})),
      worker_({.period = interval}, [this] { Broadcast(); }) {}

LiveFeed::~LiveFeed() { Stop(); }

Result<std::string> LiveFeed::Hello() {
  HP_ASSIGN(auto zones, catalog_.ListZones());
  bj::array zs;
  for (const auto& z : zones) {
    bj::array poly;
    for (const auto& p : z.polygon) poly.push_back(bj::array{p.lat, p.lon});
    zs.push_back(bj::object{{"id", z.id}, {"name", z.name}, {"polygon", std::move(poly)}});
  }
  auto restaurants = db_.Read<bj::array>([](storage::Connection& c) -> Result<bj::array> {
    bj::array out;
    HP_TRY(c.Query("SELECT id, name, lat, lon, zone_id FROM restaurants ORDER BY id", {}, [&](const storage::Row& r) {
      out.push_back(bj::array{bj::string(r.Text(0)), bj::string(r.Text(1)), r.Double(2), r.Double(3),
                              bj::string(r.OptText(4).value_or(""))});
    }));
    return out;
  });
  if (!restaurants.ok()) return restaurants.error();
  return bj::serialize(bj::object{
      {"type", "hello"},
      {"zones", std::move(zs)},
      {"restaurants", std::move(*restaurants)},
      {"tariff", bj::object{{"currency", tariff_.currency}, {"base_fee", tariff_.base_fee}, {"fee_per_km", tariff_.fee_per_km}}},
      {"interval_ms", interval_.count()}});
}

Result<std::string> LiveFeed::Snapshot() {
  std::lock_guard snap(snap_mu_);
  const Millis now = clock_.NowMillis();
  struct Rows {
    bj::array riders;
    bj::array orders;
    std::map<std::string, std::int64_t> placed_last_minute;
    std::map<std::string, std::int64_t> placed_minute_before;  // 60-120 s ago: the previous period
    std::map<std::string, std::int64_t> placed_this_hour;      // since the start of the UTC hour
    std::map<std::string, std::int64_t> placed_last_hour;      // the whole previous UTC hour
    std::map<std::string, std::pair<int, int>> riders_by_zone;  // online, available
    std::map<std::string, int> open_by_zone;
  };
  auto rows = db_.Read<Rows>([now](storage::Connection& c) -> Result<Rows> {
    Rows out;
    HP_TRY(c.Query("SELECT user_id, lat, lon, status, zone_id FROM riders WHERE status <> 'offline' AND lat IS NOT NULL",
                   {}, [&](const storage::Row& r) {
                     std::string status = r.Text(3);
                     auto& z = out.riders_by_zone[r.OptText(4).value_or("")];
                     ++z.first;
                     if (status == "available") ++z.second;
                     out.riders.push_back(bj::array{bj::string(r.Text(0)), Round(r.Double(1), 1e5),
                                                    Round(r.Double(2), 1e5), bj::string(status)});
                   }));
    HP_TRY(c.Query("SELECT id, status, zone_id, restaurant_id, delivery_lat, delivery_lon, rider_id FROM orders "
                   "WHERE status IN ('placed','accepted','ready','picked_up')",
                   {}, [&](const storage::Row& r) {
                     bj::value rider = r.IsNull(6) ? bj::value(nullptr) : bj::value(bj::string(r.Text(6)));
                     ++out.open_by_zone[r.OptText(2).value_or("")];
                     out.orders.push_back(bj::array{bj::string(r.Text(0)), bj::string(r.Text(1)),
                                                    bj::string(r.Text(3)), Round(r.Double(4), 1e5),
                                                    Round(r.Double(5), 1e5), rider});
                   }));
    // Orders placed per zone: last minute and the minute before (orders per minute and its delta),
    // this UTC hour so far and the whole previous hour (actual against the hourly forecast).
    const Millis hour = now - now % 3600000;
    const Millis since = std::min(hour - 3600000, now - 120000);
    HP_TRY(c.Query(kPlacedPerZoneSql,
                   {now - 60000, now - 120000, now - 60000, hour, hour - 3600000, hour, since},
                   [&](const storage::Row& r) {
                     const std::string zone = r.OptText(0).value_or("");
                     out.placed_last_minute[zone] = r.Int(1);
                     out.placed_minute_before[zone] = r.Int(2);
                     out.placed_this_hour[zone] = r.Int(3);
                     out.placed_last_hour[zone] = r.Int(4);
                   }));
    return out;
  });
  if (!rows.ok()) return rows.error();

  auto families = collect_ ? collect_() : metrics_.Collect();
  const double dt = previous_at_ > 0 && now > previous_at_ ? static_cast<double>(now - previous_at_) / 1000.0 : 0;

  // Zones: riders online / available and open orders from the rows, distributions from the metrics.
  HP_ASSIGN(auto zones, catalog_.ListZones());
  auto& riders_by_zone = rows->riders_by_zone;
  auto& open_by_zone = rows->open_by_zone;
  auto c2d = HistogramsBy(families, "hotpath_order_click_to_door_seconds", "zone");
  auto r2p = HistogramsBy(families, "hotpath_order_ready_to_pickup_seconds", "zone");
  bj::array zone_rows;
  bj::array plan;
  for (const auto& z : zones) {
    bj::object zo{{"id", z.id},
                  {"name", z.name},
                  {"riders_online", riders_by_zone[z.id].first},
                  {"riders_available", riders_by_zone[z.id].second},
                  {"open_orders", open_by_zone[z.id]},
                  {"orders_per_min", rows->placed_last_minute[z.id]},
                  {"orders_per_min_before", rows->placed_minute_before[z.id]},
                  {"orders_this_hour", rows->placed_this_hour[z.id]},
                  {"orders_last_hour", rows->placed_last_hour[z.id]},
                  {"click_to_door", Distribution(c2d[z.id])},
                  {"ready_to_pickup", Distribution(r2p[z.id])},
                  {"click_to_door_p90", c2d[z.id].count > 0 ? bj::value(ops::HistogramQuantile(0.9, c2d[z.id].buckets)) : bj::value(nullptr)}};
    zone_rows.push_back(std::move(zo));
    if (dispatcher_) {
      auto p = dispatcher_->PlanFor(z.id);
      auto add = [&](const std::vector<dispatcher::PlannedBundle>& bundles, bool committed) {
        for (const auto& b : bundles) {
          bj::array ids;
          for (const auto& id : b.order_ids) ids.emplace_back(id);
          plan.push_back(bj::array{bj::string(b.rider_id), bj::string(b.restaurant_id), std::move(ids), committed});
        }
      };
      add(p.committed, true);
      add(p.tentative, false);
    }
  }

  // Routes over the last interval.
  bj::array routes;
  {
    auto cur = HistogramsBy(families, "hotpath_http_request_duration_seconds", "route");
    auto prev = HistogramsBy(previous_, "hotpath_http_request_duration_seconds", "route");
    std::map<std::string, double> errors_now;
    std::map<std::string, double> errors_before;
    auto count_errors = [](const std::vector<prometheus::MetricFamily>& fams, std::map<std::string, double>& out) {
      const auto* f = Family(fams, "hotpath_http_requests_total");
      if (!f) return;
      for (const auto& m : f->metric) {
        if (Label(m, "status").starts_with("5")) out[Label(m, "route")] += m.counter.value;
      }
    };
    count_errors(families, errors_now);
    count_errors(previous_, errors_before);
    for (const auto& [route, h] : cur) {
      Hist delta = h;
      if (auto it = prev.find(route); it != prev.end() && it->second.count <= h.count) {
        delta.count -= it->second.count;
        for (auto& [bound, cum] : delta.buckets) cum -= it->second.buckets[bound];
      }
      const double errs = errors_now[route] - errors_before[route];
      routes.push_back(bj::object{
          {"route", route},
          {"requests", h.count},
          {"rps", dt > 0 ? delta.count / dt : 0.0},
          {"errors_per_s", dt > 0 && errs > 0 ? errs / dt : 0.0},
          {"p50", delta.count > 0 ? bj::value(ops::HistogramQuantile(0.5, delta.buckets)) : bj::value(nullptr)},
          {"p99", delta.count > 0 ? bj::value(ops::HistogramQuantile(0.99, delta.buckets)) : bj::value(nullptr)}});
    }
  }

  // Functions: lag, paused by an operator, dead letters.
  std::map<std::string, bj::object> fns;
  if (const auto* f = Family(families, "hotpath_function_lag")) {
    for (const auto& m : f->metric) fns[Label(m, "function")]["lag"] = m.gauge.value;
  }
  if (const auto* f = Family(families, "hotpath_function_paused")) {
    for (const auto& m : f->metric) fns[Label(m, "function")]["paused"] = m.gauge.value > 0;
  }
  if (const auto* f = Family(families, "hotpath_function_dead_letters_total")) {
    for (const auto& m : f->metric) fns[Label(m, "function")]["dead_letters"] = m.counter.value;
  }
  if (const auto* f = Family(families, "hotpath_function_invocations_total")) {
    for (const auto& m : f->metric) {
      auto& o = fns[Label(m, "function")];
      double prev = o.contains("invocations") ? o["invocations"].as_double() : 0.0;
      o["invocations"] = prev + m.counter.value;
    }
  }
  bj::array functions;
  for (auto& [name, o] : fns) {
    o["function"] = name;
    functions.push_back(std::move(o));
  }

  bj::array alarms;
  for (const auto& a : alarms_.List()) {
    alarms.push_back(bj::object{{"name", a.definition.name},
                                {"state", ops::AlarmStateName(a.state)},
                                {"since", json::FormatTime(a.since)},
                                {"reason", a.reason},
                                {"metric", a.definition.metric},
                                {"statistic", ops::StatisticName(a.definition.statistic)},
                                {"threshold", a.definition.threshold},
                                {"comparison", ops::ComparisonSymbol(a.definition.comparison)}});
  }

  previous_ = std::move(families);
  previous_at_ = now;
  return bj::serialize(bj::object{{"type", "snapshot"},
                                  {"at", json::FormatTime(now)},
                                  {"riders", std::move(rows->riders)},
                                  {"orders", std::move(rows->orders)},
                                  {"plan", std::move(plan)},
                                  {"zones", std::move(zone_rows)},
                                  {"routes", std::move(routes)},
                                  {"functions", std::move(functions)},
                                  {"alarms", std::move(alarms)},
                                  {"autoscaler", AutoscalerState(autoscale_state_path_, now)},
                                  {"processes", processes_ ? processes_() : bj::value(nullptr)}});
}

void LiveFeed::SetMetricsSource(Collector collect, std::function<boost::json::value()> processes) {
  collect_ = std::move(collect);
  processes_ = std::move(processes);
}

void LiveFeed::Add(const std::shared_ptr<net::WebSocket>& ws) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    first = sockets_.empty();
    sockets_.push_back(ws);
  }
  if (first) worker_.Wake();  // the first console gets its first snapshot now
}

void LiveFeed::Remove(const net::WebSocket* ws) {
  std::lock_guard lock(mu_);
  std::erase_if(sockets_, [ws](const std::weak_ptr<net::WebSocket>& w) {
    auto s = w.lock();
    return !s || s.get() == ws;
  });
}

void LiveFeed::Register(net::Router& router, const identity::IdentityService& identity) {
  router.Add("GET", "/v1/ops/live", identity::Authenticated(identity, {Role::kAdmin}, [this](const Principal&, net::Request&) {
               net::WebSocketHandlers h;
               h.on_open = [this](const std::shared_ptr<net::WebSocket>& ws) {
                 auto hello = Hello();
                 if (!hello.ok()) {
                   ws->Send(bj::serialize(bj::object{{"type", "error"}, {"detail", hello.error().message}}));
                   ws->Close();
                   return;
                 }
                 ws->Send(std::move(*hello));
                 Add(ws);
               };
               h.on_message = [](const std::shared_ptr<net::WebSocket>& ws, std::string_view) {
                 ws->Send(R"({"type":"error","detail":"this socket only sends; use the REST API to change things"})");
               };
               h.on_close = [this](const std::shared_ptr<net::WebSocket>& ws) { Remove(ws.get()); };
               return net::Response::Upgrade(std::move(h));
             }));
}

void LiveFeed::Start() { worker_.Start(); }

void LiveFeed::Stop() { worker_.Stop(); }

void LiveFeed::Broadcast() {
  {
    std::lock_guard lock(mu_);
    if (sockets_.empty()) return;  // nothing is built while no console is connected
  }
  const auto started = std::chrono::steady_clock::now();
  auto snapshot = Snapshot();
  build_seconds_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  std::lock_guard lock(mu_);
  if (!snapshot.ok()) {
    log_.Warn("console snapshot failed", {{"error", snapshot.error().message}});
    return;
  }
  std::erase_if(sockets_, [](const std::weak_ptr<net::WebSocket>& w) {
    auto s = w.lock();
    return !s || !s->IsOpen();
  });
  for (const auto& w : sockets_) {
    if (auto s = w.lock()) s->Send(*snapshot);
  }
}

}  // namespace hotpath::console
