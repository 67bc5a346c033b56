#include "app/platform.h"

#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

#include "api/edge.h"
#include "app/openapi.h"
#include "assets/http_handlers.h"
#include "catalog/http_handlers.h"
#include "demand/http_handlers.h"
#include "demand/order_history.h"
#include "console/alarm_handlers.h"
#include "console/static_files.h"
#include "events/cloud_event.h"
#include "dispatcher/http_handlers.h"
#include "events/bus_factory.h"
#include "fleet/http_handlers.h"
#include "functions/builtin.h"
#include "functions/http_handlers.h"
#include "identity/http_handlers.h"
#include "orders/http_handlers.h"

namespace hotpath::app {
namespace fs = std::filesystem;

namespace {
// The order's zone from a committed event's CloudEvent payload ("" when it has none).
std::string EventZone(const orders::OrderEvent& ev) {
  boost::system::error_code ec;
  auto value = boost::json::parse(ev.json, ec);
  if (ec || !value.is_object()) return {};
  const auto* data = value.as_object().if_contains("data");
  if (!data || !data->is_object()) return {};
  const auto* zone = data->as_object().if_contains("zone_id");
  return zone && zone->is_string() ? std::string(zone->as_string()) : std::string();
}
}  // namespace

void Platform::RefreshZoneLoad() {
  RefreshTracking();  // in memory: before the database queries, which may fail
  auto loads = db_->ReadReplica<std::vector<ops::ZoneLoad>>(
      [](storage::Connection& c) -> Result<std::vector<ops::ZoneLoad>> {
        std::vector<ops::ZoneLoad> out;
        HP_TRY(c.Query(
            "SELECT z.id, (SELECT count(*) FROM riders r WHERE r.zone_id = z.id AND r.status <> 'offline'), "
            "(SELECT count(*) FROM orders o WHERE o.zone_id = z.id AND o.status IN "
            "('placed','accepted','ready','picked_up')) FROM zones z",
            {}, [&](const storage::Row& r) {
              out.push_back({r.Text(0), r.Int(1), r.Int(2)});
            }));
        return out;
      });
  if (!loads.ok()) {
    log_.Warn("zone load metrics not refreshed", {{"error", loads.error().message}});
    return;
  }
  metrics_.SetZoneLoad(*loads);
  for (const auto& [zone, multiplier] : fee_desk_->Multipliers()) metrics_.SetFeeMultiplier(zone, multiplier);
  if (auto model = demand_->Info()) {
    metrics_.SetDemandModelAge(static_cast<double>(clock_.NowMillis() - model->trained_at) / 1000.0);
  }
  std::vector<std::pair<std::string, std::int64_t>> reads;
  for (const auto& s : db_->Stats()) reads.emplace_back(s.pool, s.reads);
  metrics_.SetDatabaseReads(reads);
}

void Platform::RefreshTracking() {
  const auto t = tracker_->Stats();
  ops::TrackingSample s;
  s.fixes_applied = t.fixes_applied;
  s.fixes_flagged = t.fixes_flagged;
  s.batches_rejected = t.batches_rejected;
  s.trail_points = t.trail_points_written;
  s.fixes_published = t.fixes_published;
  s.fixes_dropped = t.fixes_unpublished_dropped;
  s.riders_indexed = static_cast<std::int64_t>(t.riders_indexed);
  s.watchers = static_cast<std::int64_t>(live_->SubscriptionCount());
  s.positions_sent = live_->PositionsSent();
  s.positions_coalesced = live_->PositionsCoalesced();
  if (server_) {
    const auto streams = server_->Streams();
    s.websockets = streams.websockets;
    s.event_streams = streams.event_streams;
    s.overflow_disconnects = streams.overflow_disconnects;
  }
  metrics_.SetTracking(s);
}

Result<std::vector<ops::AlarmDefinition>> ConfigAlarms(const Config& config) {
  std::vector<ops::AlarmDefinition> out;
  for (std::size_t i = 0; i < config.alarms_json.size(); ++i) {
    boost::system::error_code ec;
    auto value = boost::json::parse(config.alarms_json[i], ec);
    if (ec || !value.is_object()) return Error::Invalid(fmt::format("config: alarms[{}] is not a table", i));
    auto def = ops::ParseAlarm(value.as_object(), "", true);
    if (!def.ok()) {
      std::string detail;
      for (const auto& f : def.error().fields) detail += fmt::format("; {} {}", f.field, f.reason);
      return Error::Invalid(fmt::format("config: alarms[{}]: {}{}", i, def.error().message, detail));
    }
    if (std::any_of(out.begin(), out.end(), [&](const auto& d) { return d.name == def->name; }))
      return Error::Invalid(fmt::format("config: alarms[{}]: a second alarm named '{}'", i, def->name));
    def->source = "config";
    out.push_back(std::move(*def));
  }
  return out;
}

namespace {
// alarm.state_changed as a CloudEvent for the notifications topic (delivered by the notify function
// to the alarm's `notify` targets).
std::string AlarmEvent(const ops::AlarmTransition& t, const ops::AlarmDefinition& def) {
  boost::json::array notify;
  for (const auto& n : def.notify) notify.emplace_back(n);
  boost::json::object data{{"alarm", def.name},
                           {"description", def.description},
                           {"old_state", ops::AlarmStateName(t.from)},
                           {"new_state", ops::AlarmStateName(t.to)},
                           {"reason", t.reason},
                           {"metric", def.metric},
                           {"statistic", ops::StatisticName(def.statistic)},
                           {"threshold", def.threshold},
                           {"comparison", ops::ComparisonSymbol(def.comparison)},
                           {"period_s", def.period_s},
                           {"time", json::FormatTime(t.at)},
                           {"notify", std::move(notify)}};
  return events::SerializeCloudEvent(
      events::MakeCloudEvent("/hotpath/alarms", "alarm.state_changed", def.name, "alarm-state-changed", 1,
                             std::move(data), t.at));
}
}  // namespace

Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config, bool migrate) {
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec)
    return Error::Unavailable(
        fmt::format("cannot create data directory {}: {}", config.data_dir, ec.message()));
  storage::DatabaseOptions opts;
  opts.url = config.EffectiveDatabaseUrl();
  opts.replicas = SplitList(config.database_replicas);
  opts.max_batch = config.commit_batch_max;
  opts.read_connections = config.database_pool_size;
  opts.writers = config.database_writers;
  HP_ASSIGN(auto db, storage::Database::Open(opts));
  if (migrate) HP_TRY(db->Migrate());
  return db;
}

Result<std::string> TokenSecret(const Config& config) {
  if (!config.token_secret.empty()) return config.token_secret;
  fs::path path = fs::path(config.data_dir) / "token.key";
  if (fs::exists(path)) {
    std::ifstream in(path);
    std::string secret;
    std::getline(in, secret);
    if (secret.size() >= 32) return secret;
    return Error::Invalid(fmt::format(
        "{} is corrupt (shorter than 32 characters); delete it to make a new one", path.string()));
  }
  unsigned char raw[32];
  RandomBytes(raw, sizeof raw);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  {
    std::ofstream out(path);
    out << hex << "\n";
    if (!out) return Error::Unavailable(fmt::format("cannot write {}", path.string()));
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return std::string(hex);
}

namespace {
// The client's address for per-address limits: the peer, or, when the peer is a proxy on this
// host (HAProxy, nginx), the address it appended last to X-Forwarded-For.
std::string ClientAddress(const net::Request& req) {
  if (req.remote_addr == "127.0.0.1" || req.remote_addr == "::1") {
    if (auto xff = req.Header("X-Forwarded-For")) {
      std::string_view v = *xff;
      auto comma = v.rfind(',');
      if (comma != std::string_view::npos) v = v.substr(comma + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      if (!v.empty() && v.size() <= 64) return std::string(v);
    }
  }
  return req.remote_addr;
}
}  // namespace

Status Platform::OpenCache() {
  auto& registry = metrics_.registry();
  auto& errors = prometheus::BuildCounter()
                     .Name("hotpath_cache_errors_total")
                     .Help("Cache operations that failed (the database served instead)")
                     .Register(registry)
                     .Add({});
  auto& up = prometheus::BuildGauge()
                 .Name("hotpath_cache_up")
                 .Help("1 while the cache answers, 0 while it is unreachable")
                 .Register(registry)
                 .Add({});
  up.Set(1);
  auto& requests = prometheus::BuildCounter()
                       .Name("hotpath_cache_requests_total")
                       .Help("Cached reads: hit, miss (loaded and stored) or bypass (cache unusable: database)")
                       .Register(registry);
  auto* hit = &requests.Add({{"result", "hit"}});
  auto* miss = &requests.Add({{"result", "miss"}});
  auto* bypass = &requests.Add({{"result", "bypass"}});
  rate_limited_ = &prometheus::BuildCounter()
                       .Name("hotpath_rate_limited_total")
                       .Help("Requests refused with 429 by the per-user and per-address rate limits")
                       .Register(registry)
                       .Add({});
  if (config_.cache_url.rfind("redis://", 0) == 0 || config_.cache_url.rfind("rediss://", 0) == 0) {
    HP_ASSIGN(auto endpoint, cache::ParseRedisUrl(config_.cache_url));
    cache::RedisOptions ro;
    ro.endpoint = endpoint;
    ro.connect_timeout = ro.op_timeout = std::chrono::milliseconds(config_.cache_timeout_ms);
    redis_ = std::make_unique<cache::RedisCache>(
        ro, log_, cache::CacheObserver{[&errors] { errors.Increment(); }, [&up](bool is_up) { up.Set(is_up ? 1 : 0); }});
    cache::VersionedOptions vo;
    vo.ttl = Millis{config_.cache_ttl_s} * 1000;
    versioned_ = std::make_unique<cache::VersionedCache>(
        *redis_, vo, cache::VersionedStats{[hit, miss, bypass](std::string_view r) {
          (r == "hit" ? hit : r == "miss" ? miss : bypass)->Increment();
        }});
    log_.Info("cache", {{"url", endpoint.Describe()}});
  }
  cache::RateLimits limits{config_.rate_limit_user_per_s, config_.rate_limit_user_burst, config_.rate_limit_ip_per_s,
                           config_.rate_limit_ip_burst};
  if (limits.Any()) limiter_ = std::make_unique<cache::RateLimiter>(redis_.get(), clock_, limits);
  return OkStatus();
}

std::optional<net::Response> Platform::Admit(const net::Request& req) {
  if (!limiter_ || req.route.rfind("/v1/", 0) != 0) return std::nullopt;  // probes, metrics, console: never
  std::string user;
  if (limiter_->limits().user_per_s > 0) {
    if (auto who = identity_->Verified(req); who.ok()) user = who->user_id;
  }
  auto d = limiter_->Check(user, limiter_->limits().ip_per_s > 0 ? ClientAddress(req) : std::string());
  if (d.allowed) return std::nullopt;
  rate_limited_->Increment();
  const Millis seconds = std::max<Millis>(1, (d.retry_after_ms + 999) / 1000);
  auto resp = api::ErrorResponse(Error{ErrorCode::kRateLimited,
                                       fmt::format("too many requests; retry in {} ms", d.retry_after_ms),
                                       {},
                                       {{"retry_after_ms", std::to_string(d.retry_after_ms)}}});
  resp.headers.emplace_back("Retry-After", std::to_string(seconds));
  return resp;
}

Result<std::unique_ptr<Platform>> Platform::Create(const Config& config, const Logger& log) {
  std::unique_ptr<Platform> p(new Platform(config, log));
  HP_ASSIGN(p->db_, OpenDatabase(config, config.migrate_on_start));
  HP_TRY(p->OpenCache());
  HP_ASSIGN(auto secret, TokenSecret(config));
  p->signer_ = std::make_unique<identity::TokenSigner>(secret, config.token_ttl_s);
  p->catalog_ = std::make_unique<catalog::CatalogService>(*p->db_, p->clock_, config.currency);
  auto* catalog = p->catalog_.get();
  p->catalog_->SetSharedCache(p->versioned_.get());
  HP_ASSIGN(p->objects_, objects::OpenObjectStore(config.EffectiveObjectsUrl()));
  assets::AssetOptions asset_options;
  asset_options.max_image_bytes = config.max_image_bytes;
  asset_options.base_url = config.assets_base_url;
  p->assets_ = std::make_unique<assets::AssetService>(
      *p->objects_, p->clock_, asset_options,
      [catalog](const std::string& id) { return catalog->RestaurantExists(id); });
  p->identity_ = std::make_unique<identity::IdentityService>(
      *p->db_, p->clock_, *p->signer_,
      [catalog](const std::string& id) { return catalog->RestaurantExists(id); });
  p->revocations_ =
      std::make_unique<identity::Revocations>(*p->db_, p->clock_, p->redis_.get(), config.role == "single");
  HP_TRY(p->revocations_->Load());
  p->identity_->SetRevocations(p->revocations_.get());
  Platform* self = p.get();
  p->fleet_ = std::make_unique<fleet::FleetService>(
      *p->db_, p->clock_, [catalog](geo::Point at) { return catalog->ZoneAt(at); },
      [self] { self->WakeDispatch(); });
  tracking::TrackerOptions tracker_options;
  tracker_options.stale_after_ms = Millis{config.rider_stale_after_s} * 1000;
  tracker_options.trail_interval_ms = Millis{config.trail_interval_s} * 1000;
  tracker_options.flush_interval = std::chrono::milliseconds(config.location_flush_interval_ms);
  tracker_options.max_unpublished = static_cast<std::size_t>(config.max_unpublished_fixes);
  p->tracker_ = std::make_unique<tracking::Tracker>(
      *p->db_, p->clock_, log, [catalog](geo::Point at) { return catalog->ZoneAt(at); }, tracker_options);
  HP_TRY(p->tracker_->Load());
  p->fleet_->SetListener([self](const fleet::Rider& r) { self->tracker_->OnRiderChanged(r); });
  p->fleet_->SetPositionSource([self](const std::string& id) { return self->tracker_->LatestPosition(id); });
  orders::Tariff tariff;
  tariff.base_fee = config.delivery_base_fee;
  tariff.fee_per_km = config.delivery_fee_per_km;
  tariff.small_order_threshold = config.small_order_threshold;
  tariff.small_order_fee = config.small_order_fee;
  tariff.max_delivery_km = config.max_delivery_km;
  tariff.rider_speed_kmh = config.rider_speed_kmh;
  p->orders_ =
      std::make_unique<orders::OrderService>(*p->db_, p->clock_, *p->catalog_, *p->fleet_,
                                             p->payment_provider_, p->hub_, log, tariff, config.currency);
  p->quote_signer_ = std::make_unique<orders::QuoteSigner>(secret);
  demand::DemandSettings ds;
  ds.model_path = (fs::path(config.data_dir) / "forecast" / "orders.model").string();
  ds.method = config.forecast_method;
  ds.horizon_hours = config.forecast_horizon_h;
  ds.min_history_days = config.forecast_min_history_days;
  ds.history_days = std::max(config.forecast_history_days, config.forecast_min_history_days);
  ds.retrain_interval = std::chrono::seconds(config.forecast_retrain_interval_s);
  ds.orders_per_courier_hour = config.staffing_orders_per_courier_hour;
  ds.min_measured_deliveries = config.staffing_min_deliveries;
  ds.productivity_window_days = config.staffing_window_days;
  ds.utilisation = config.staffing_utilisation;
  ds.service_level = config.staffing_service_level;
  ds.min_couriers = config.staffing_min_couriers;
  HP_ASSIGN(ds.shift_starts, ParseHourList(config.staffing_shift_starts, 0, 23));
  HP_ASSIGN(ds.shift_lengths, ParseHourList(config.staffing_shift_lengths, 1, 24));
  p->demand_ = std::make_unique<demand::DemandService>(*p->db_, p->clock_, log, std::move(ds));
  HP_TRY(p->demand_->Open());
  demand::FeeSettings fees;
  fees.enabled = config.dynamic_fees;
  fees.max_multiplier = config.fee_max_multiplier;
  fees.max_surcharge = config.fee_max_surcharge;
  fees.refresh = std::chrono::seconds(config.fee_refresh_s);
  fees.demand_window = std::chrono::minutes(config.fee_demand_window_min);
  fees.load_threshold = config.fee_load_threshold;
  fees.orders_per_courier_hour = config.staffing_orders_per_courier_hour;
  p->fee_desk_ = std::make_unique<demand::FeeDesk>(fees, [self](const std::string& zone, Millis) {
    return self->ZoneSignalsFor(zone);
  });
  p->orders_->SetQuoting(p->quote_signer_.get(), std::chrono::seconds(config.fee_quote_validity_s),
                         p->fee_desk_.get());
  // Every order event of every process, once: live demand for fees and, outside api processes, the
  // click-to-door and ready-to-pickup timings (both events of an order must be seen by one process:
  // in a cluster the primary sees all of them through its outbox tail).
  const bool times_orders = config.role != "api";
  p->hub_.SetEventTap([self, times_orders](const orders::OrderEvent& ev) {
    const Millis now = self->clock_.NowMillis();
    const std::string zone = ev.type == "order.placed" ? EventZone(ev) : std::string();
    if (ev.type == "order.placed") self->fee_desk_->OnOrderPlaced(zone, now);
    if (times_orders) self->metrics_.TimeOrderEvent(ev.type, ev.order_id, zone, now);
  });
  p->orders_->SetSharedCache(p->versioned_.get());
  if (p->versioned_) {
    // Orders are bumped after their commit only (no change mark): a process killed in between may
    // have left an order's cached copy stale. Each such order changed within a cached value's
    // lifetime (plus a minute of clock skew), so starting bumps those, and nothing else.
    const Millis since = p->clock_.NowMillis() - Millis{config.cache_ttl_s} * 1000 - 60000;
    if (auto changed = p->orders_->ChangedSince(since); changed.ok()) {
      for (const auto& id : *changed) p->versioned_->Invalidate("order:" + id);
    } else {
      return Error::Unavailable("cannot list the recently changed orders: " + changed.error().message);
    }
  }
  tracking::LiveSettings live;
  live.rider_speed_kmh = config.rider_speed_kmh;
  live.geofence_m = config.geofence_m;
  live.position_interval_ms = config.position_interval_ms;
  live.position_tolerance_ms = config.position_tolerance_ms;
  p->live_ = std::make_unique<tracking::LiveTracking>(*p->db_, *p->orders_, p->hub_, *p->catalog_, *p->tracker_,
                                                      p->clock_, log, live);
  HP_TRY(p->live_->Load());
  p->tracker_->AddFixListener([self](const std::string& rider, const tracking::Fix& fix) { self->live_->OnFix(rider, fix); });
  p->tracking_ws_ = std::make_unique<tracking::TrackingWs>(*p->tracker_, *p->live_, *p->orders_);
  const bool api_only = config.role == "api";  // the primary (or the single process) dispatches
  if (config.role != "single") {
    p->catalog_->SetCacheTtl(1000);  // zones and menus edited through another process
    p->hub_.SetFedFromOutbox(true);
    p->tail_ = std::make_unique<orders::OutboxTail>(*p->db_, p->hub_, log,
                                                    std::chrono::milliseconds(config.outbox_poll_ms));
    if (p->redis_) {
      cache::RedisOptions ro;
      ro.endpoint = *cache::ParseRedisUrl(config.cache_url);
      ro.connect_timeout = ro.op_timeout = std::chrono::milliseconds(config.cache_timeout_ms);
      auto* tail = p->tail_.get();
      // A message says "an order event was committed": the tail reads it from the outbox at once
      // (the outbox stays the one ordered source; a message lost while Redis is away costs latency only).
      p->pubsub_ = std::make_unique<cache::RedisPubSub>(
          ro, *p->redis_, "hp:outbox", log, [tail](std::string_view) { tail->Wake(); }, [tail] { tail->Wake(); });
    }
  }
  if (api_only) {
  } else if (config.dispatch_mode == "nearest") {
    p->assigner_ = std::make_unique<orders::Assigner>(*p->orders_, log,
                                                      std::chrono::milliseconds(config.assign_interval_ms));
  } else {
    dispatcher::Settings ds;
    ds.epoch = std::chrono::milliseconds(config.dispatch_epoch_ms);
    ds.offer_timeout_ms = Millis{config.offer_timeout_s} * 1000;
    ds.decline_cooldown_ms = Millis{config.decline_cooldown_s} * 1000;
    ds.rider_speed_kmh = config.rider_speed_kmh;
    ds.max_bundle_size = config.max_bundle_size;
    p->dispatcher_ = std::make_unique<dispatcher::LiveDispatcher>(
        *p->orders_, *p->fleet_, p->clock_, log, ds,
        [self](double seconds) { self->metrics_.ObserveDispatchEpoch(seconds); });
  }
  p->orders_->SetAssignmentWakeup([self] { self->WakeDispatch(); });
  p->hub_.SetTap([self](const orders::OrderEvent& ev) {
    self->orders_->InvalidateCached(ev.order_id);  // before anyone is told of the change
    self->metrics_.CountOrderEvent(ev.type);  // counted by the committing process (summed in a cluster)
    self->live_->OnOrderEvent(ev);
    if (self->relay_) self->relay_->Wake();  // committed in the outbox: relay it to the bus
    if (self->tail_) self->tail_->Wake();    // and to this process's live subscribers
    if (self->pubsub_) self->pubsub_->Publish(std::to_string(ev.seq));  // and to the other processes'
  });
  p->metrics_.SetRefresher([self] { self->RefreshZoneLoad(); });

  // The primary of `hotpath cluster` evaluates alarms and feeds the console on the whole cluster's
  // figures: its own registry plus the other processes' /metrics (docs/cluster.md).
  const std::string run_dir = config.run_dir.empty() ? config.data_dir + "/cluster" : config.run_dir;
  if (config.role == "primary") {
    p->peers_ = std::make_unique<cluster::PeerMetrics>(run_dir + "/processes.json", log, p->metrics_.registry());
    // The autoscaler's signals of every process, from these scrapes: the controller scrapes none.
    p->peers_->PublishLoad(run_dir + "/load.json", [self] {
      return std::pair{static_cast<double>(self->server_ ? self->server_->InFlight() : 0),
                       self->metrics_.registry().Collect()};
    });
  }
  auto collect = [self] {
    auto own = self->metrics_.CollectAll();
    return self->peers_ ? self->peers_->Sum(std::move(own)) : own;
  };

  HP_ASSIGN(auto config_alarms, ConfigAlarms(config));
  p->alarm_store_ = std::make_unique<ops::FileAlarmStore>((fs::path(config.data_dir) / "alarms.json").string());
  p->alarms_ = std::make_unique<ops::AlarmService>(
      p->clock_, *p->alarm_store_, collect,
      [self](const ops::AlarmTransition& t, const ops::AlarmDefinition& def) -> Status {
        self->log_.Info("alarm state changed", {{"alarm", def.name},
                                                {"old_state", std::string(ops::AlarmStateName(t.from))},
                                                {"new_state", std::string(ops::AlarmStateName(t.to))},
                                                {"reason", t.reason}});
        if (!self->bus_) return Error::Unavailable("the event bus is not open yet");
        auto pos = self->bus_->Publish(events::kNotificationsTopic, def.name, AlarmEvent(t, def));
        if (!pos.ok()) {
          self->log_.Warn("alarm notification not published; retried at the next evaluation",
                          {{"alarm", def.name}, {"error", pos.error().message}});
          return pos.error();
        }
        return OkStatus();
      },
      &p->metrics_);
  if (auto st = p->alarms_->Load(config_alarms); !st.ok())
    return Error::Invalid(fmt::format("{}/alarms.json: {}", config.data_dir, st.error().message));
  p->feed_ = std::make_unique<console::LiveFeed>(
      *p->db_, *p->catalog_, p->metrics_, *p->alarms_, p->dispatcher_.get(), p->clock_, log,
      console::FeedTariff{config.currency, config.delivery_base_fee, config.delivery_fee_per_km},
      std::chrono::milliseconds(1000),
      // The primary of `hotpath cluster` shows its controller's autoscaler (same run_dir rule as the cluster).
      config.role == "primary" ? run_dir + "/autoscale.json" : std::string());
  if (p->peers_) {
    p->feed_->SetMetricsSource(collect, [self]() -> boost::json::value {
      boost::json::array out{boost::json::object{
          {"process", "s0"}, {"role", "primary"}, {"state", "active"}, {"pid", ::getpid()}, {"up", true}}};
      for (const auto& peer : self->peers_->Peers()) {
        out.push_back(boost::json::object{{"process", peer.process}, {"role", peer.role}, {"state", peer.state},
                                          {"pid", peer.pid}, {"up", peer.up}});
      }
      return out;
    });
  }

  identity::RegisterRoutes(p->router_, *p->identity_);
  catalog::RegisterRoutes(p->router_, *p->catalog_, *p->identity_);
  assets::RegisterRoutes(p->router_, *p->assets_, *p->identity_);
  fleet::RegisterRoutes(p->router_, *p->fleet_, *p->identity_);
  std::vector<orders::WsExtension*> ws_extensions{p->tracking_ws_.get()};
  if (p->dispatcher_) ws_extensions.push_back(p->dispatcher_.get());
  orders::RegisterRoutes(p->router_, *p->orders_, p->hub_, *p->identity_, std::move(ws_extensions));
  tracking::RegisterRoutes(p->router_, *p->tracker_, *p->live_, *p->orders_, *p->catalog_, *p->identity_);
  dispatcher::RegisterRoutes(p->router_, p->dispatcher_.get(), *p->catalog_, *p->identity_);
  auto zone_exists = [catalog](const std::string& zone) -> Result<bool> {
    HP_ASSIGN(auto zones, catalog->ListZones());
    return std::any_of(zones.begin(), zones.end(), [&](const auto& z) { return z.id == zone; });
  };
  demand::RegisterRoutes(p->router_, *p->fee_desk_, p->demand_.get(), p->clock_, *p->identity_,
                         {config.delivery_base_fee, config.currency, std::chrono::seconds(config.fee_quote_validity_s)},
                         zone_exists);
  p->order_status_ = std::make_shared<functions::OrderStatusCache>(*p->db_, p->clock_);
  p->analytics_ = std::make_shared<functions::Analytics>(*p->db_, p->clock_);
  p->channels_ = std::make_unique<functions::ChannelStore>(*p->db_, p->clock_);
  p->sender_ = std::make_unique<functions::Sender>(*p->db_, p->clock_, log, functions::NotifySettings(config));
  p->notify_ = std::make_shared<functions::Notify>(*p->db_, p->clock_, *p->sender_, config.notify_alarm_secret);
  functions::RegisterRoutes(p->router_, *p->analytics_, *p->channels_, *p->identity_, zone_exists);
  p->controls_ = std::make_unique<functions::Controls>(*p->db_, p->clock_);
  functions::RegisterControlRoutes(p->router_, *p->controls_, functions::BuiltinSpecs(config),
                                   [self] { return self->functions_.get(); }, *p->identity_);
  p->RegisterOpsRoutes();
  console::RegisterAlarmRoutes(p->router_, *p->alarms_, *p->identity_);
  p->feed_->Register(p->router_, *p->identity_);
  console::RegisterConsoleRoutes(p->router_,
                                 config.console_dir.empty() ? console::DefaultConsoleDir() : config.console_dir);

  p->router_.SetAdmission([self](const net::Request& req) { return self->Admit(req); });

  HP_ASSIGN(auto listen, ParseListen(config.listen));
  net::ServerOptions opts;
  opts.host = listen.first;
  opts.port = listen.second;
  opts.io_threads = config.io_threads;
  opts.worker_threads = config.worker_threads;
  opts.max_body_bytes = static_cast<std::size_t>(config.max_body_bytes);
  opts.max_stream_queue = static_cast<std::size_t>(config.max_stream_queue);
  p->server_ = std::make_unique<net::Server>(
      opts, p->router_,
      [self](const net::Request& req, int status, double seconds) {
        self->metrics_.ObserveRequest(req.method, req.route, status, seconds);
      },
      [self](std::string_view level, std::string_view line) {
        self->log_.Raw(level == "error"  ? LogLevel::kError
                       : level == "warn" ? LogLevel::kWarn
                                         : LogLevel::kInfo,
                       line);
      });
  return p;
}

Platform::~Platform() { Stop(); }

demand::ZoneSignals Platform::ZoneSignalsFor(const std::string& zone) {
  demand::ZoneSignals out;
  auto riders = demand::RidersAvailable(*db_, zone);
  if (riders.ok()) {
    out.riders_available = *riders;
  } else {
    log_.Warn("fee desk: riders not counted", {{"zone_id", zone}, {"error", riders.error().message}});
  }
  out.forecast_per_hour = demand_->CurrentHourForecast(zone);
  return out;
}

void Platform::SeedLiveDemand() {
  const Millis now = clock_.NowMillis();
  auto recent = demand::OrdersPlacedSince(*db_, now - Millis{config_.fee_demand_window_min} * 60'000);
  if (!recent.ok()) {
    log_.Warn("fee desk: recent orders not read", {{"error", recent.error().message}});
    return;
  }
  for (const auto& [zone, at] : *recent) fee_desk_->OnOrderPlaced(zone, at);
}

Status Platform::Start() {
  // The bus is opened by `serve` only: one-shot commands (admin, migrate) work beside a running server.
  // An api process of a cluster opens none: the primary owns the embedded log and relays the outbox.
  if (tail_) HP_TRY(tail_->Start());  // before accepting subscribers, so none misses an event
  SeedLiveDemand();                   // orders of the demand window placed before this start
  if (pubsub_) pubsub_->Start(std::chrono::milliseconds(2000));  // subscribed before serving (unless Redis is down)
  if (!bus_ && config_.role != "api") {
    HP_ASSIGN(bus_, events::OpenEventBus(config_.events_url, config_.data_dir, clock_, log_, config_.events_kafka));
    for (auto topic : {events::kOrdersTopic, events::kRiderLocationsTopic, events::kPaymentsTopic,
                       events::kNotificationsTopic}) {
      HP_TRY(bus_->Partitions(topic));  // the standard topics exist from the start
    }
    relay_ = std::make_unique<events::OutboxRelay>(*db_, *bus_, log_, metrics_.registry());
    if (versioned_) {
      // The order bumps missed by their writers (killed after the commit, or cut off from Redis)
      // applied from the outbox, at least once (orders/cache_bumper.h).
      cache_bumper_ = std::make_unique<orders::CacheBumper>(*db_, *versioned_, log_, std::chrono::milliseconds(1000));
      HP_TRY(cache_bumper_->Start());
    }
    functions_ = std::make_unique<functions::Runtime>(*bus_, *db_, metrics_, clock_, log_);
    for (auto& spec : functions::BuiltinSpecs(config_)) {
      std::shared_ptr<functions::Function> fn;
      if (spec.name == functions::OrderStatusCache::kName) fn = order_status_;
      if (spec.name == functions::Analytics::kName) fn = analytics_;
      if (spec.name == functions::Notify::kName) fn = notify_;
      if (!fn) return Error::Internal("no handler for built-in function " + spec.name);
      HP_TRY(functions_->Add(std::move(spec), std::move(fn)));
    }
    tracker_->SetBus(bus_.get());
  }
  std::string err = server_->Start();
  if (!err.empty()) return Error::Unavailable(fmt::format("cannot listen on {}: {}", config_.listen, err));
  if (assigner_) assigner_->Start();
  if (dispatcher_) dispatcher_->Start();
  tracker_->Start();
  live_->Start();
  if (relay_) relay_->Start();
  // Alarms (their state file in the data directory, events on the bus), the console's live feed,
  // the notification sender's redelivery and the functions (consumers of the bus) run in the primary
  // only; `hotpath cluster` routes /v1/alarms and /v1/ops there.
  if (config_.role != "api") {
    if (peers_) peers_->Start();  // its first round on its own thread: a hung process delays no start
    alarms_->Start(std::chrono::milliseconds(1000));
    feed_->Start();
    sender_->Start(bus_.get());
    HP_TRY(functions_->Start());
    demand_->StartRetrainLoop();  // one trainer per data directory; api processes reload its file
  }
  ready_ = true;
  return OkStatus();
}

void Platform::Stop() {
  ready_ = false;
  if (server_) server_->Stop(std::chrono::milliseconds(config_.shutdown_grace_ms));
  if (assigner_) assigner_->Stop();
  if (relay_) relay_->Stop();
  if (cache_bumper_) cache_bumper_->Stop();
  if (functions_) functions_->Stop();
  if (sender_) sender_->Stop();
  if (dispatcher_) dispatcher_->Stop();
  if (feed_) feed_->Stop();
  if (alarms_) alarms_->Stop();
  if (peers_) peers_->Stop();
  if (pubsub_) pubsub_->Stop();
  if (tail_) tail_->Stop();
  if (live_) live_->Stop();
  if (tracker_) tracker_->Stop();
  if (demand_) demand_->Stop();
}

void Platform::WakeDispatch() {
  if (assigner_) assigner_->Wake();
  if (dispatcher_) dispatcher_->Wake();
}

void Platform::RegisterOpsRoutes() {
  router_.AddNonBlocking("GET", "/healthz",
                         [](net::Request&) { return net::Response::Json(200, R"({"status":"ok"})"); });
  router_.Add("GET", "/readyz", [this](net::Request&) {
    if (!ready_)
      return net::Response::Problem(503, net::ProblemBody(503, "https://hotpath.dev/problems/unavailable",
                                                          "Service unavailable", "draining or starting"));
    auto probe = db_->Read<Ok>([](storage::Connection& c) -> Result<Ok> {
      HP_TRY(c.Query("SELECT 1", {}, nullptr));
      return Ok{};
    });
    if (!probe.ok()) return api::ErrorResponse(Error::Unavailable("database: " + probe.error().message));
    return net::Response::Json(200, R"({"status":"ready"})");
  });
  in_flight_ = &prometheus::BuildGauge()
                    .Name("hotpath_http_requests_in_flight")
                    .Help("HTTP requests in flight (streams excluded), not counting the scrape itself")
                    .Register(metrics_.registry())
                    .Add({});
  router_.Add("GET", "/metrics", [this](net::Request&) {
    in_flight_->Set(std::max(0, server_->InFlight() - 1));
    return net::Response::Text(200, metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  router_.Add("GET", "/v1/openapi.json",
              [](net::Request&) { return net::Response::Json(200, OpenApiDocument()); });
}

}  // namespace hotpath::app
