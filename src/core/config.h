#pragma once
// Effective configuration: defaults, then a TOML file, then HOTPATH_* environment variables, then
// command-line flags. Every key is declared once in config.cpp's table with its TOML name, its
// environment name, a parser that validates it, and whether it is secret (masked by `config show`).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace hotpath {

struct Config {
  // [server]
  std::string listen = "127.0.0.1:8080";
  int io_threads = 1;
  int worker_threads = 32;
  std::int64_t max_body_bytes = 1 << 20;
  int shutdown_grace_ms = 5000;
  int max_stream_queue = 1024;  // messages queued per SSE/WebSocket client before it is dropped as too slow
  // "single": one process does everything; "primary": everything, live order streams fed from the
  // shared outbox (other processes commit too); "api": HTTP only (no dispatcher, outbox relay or
  // bus), live streams fed from the outbox. `hotpath cluster` sets it; see docs/cluster.md.
  std::string role = "single";
  // Roles primary and api: how often the outbox is polled for other processes' order events (with a
  // redis:// cache_url they also wake each other by pub/sub at once, so this is only a safety net).
  int outbox_poll_ms = 20;
  // [storage]
  std::string data_dir = "./data";
  std::string database_url;       // empty: sqlite file "<data_dir>/hotpath.db"; or postgresql://...
  std::string database_replicas;  // comma-separated postgresql:// read replicas
  int database_pool_size = 8;     // read connections per database server
  int database_writers = 4;       // PostgreSQL: writer connections for order placements (0: the one writer)
  bool migrate_on_start = true;   // apply pending migrations when the server starts
  std::string cache_url = "memory:";  // or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (docs/cache.md)
  int cache_ttl_s = 300;              // lifetime of a cached menu, restaurant list or order (redis)
  int cache_timeout_ms = 200;         // connect and operation timeout of the redis cache
  std::string events_url = "embedded:";
  // [events.kafka]: librdkafka properties for a kafka:// events_url (TLS, SASL, timeouts, ...)
  std::map<std::string, std::string> events_kafka;
  std::string objects_url;     // empty: "file:<data_dir>/objects"
  int commit_batch_max = 256;  // group commit: most transactions per fsync
  // [auth]
  std::string token_secret;  // empty: generated once and kept in "<data_dir>/token.key"
  int token_ttl_s = 24 * 3600;
  // [rate_limit] token buckets per user and per client address, in the cache (0 = off)
  double rate_limit_user_per_s = 1000;
  double rate_limit_user_burst = 0;  // 0: twice the rate
  double rate_limit_ip_per_s = 0;
  double rate_limit_ip_burst = 0;    // 0: twice the rate
  // [log]
  std::string log_level = "info";
  // stderr buffer of the access log: its lines are written once it holds this many bytes and at
  // least every second (other lines at once); 0 = every line written as it is logged (core/log.h)
  int log_buffer_bytes = 64 * 1024;
  // [pricing]
  std::string currency = "USD";
  std::int64_t delivery_base_fee = 199;   // minor units
  std::int64_t delivery_fee_per_km = 60;  // minor units per started km
  std::int64_t small_order_threshold = 1000;
  std::int64_t small_order_fee = 150;
  double max_delivery_km = 15.0;
  double rider_speed_kmh = 18.0;
  // [dispatch]
  int assign_interval_ms = 1000;
  std::string dispatch_mode = "optimised";  // "optimised" (offers from the engine) or "nearest"
  int dispatch_epoch_ms = 2000;             // re-planning interval of the live dispatcher
  int offer_timeout_s = 30;                 // a rider's time to answer an offer
  int decline_cooldown_s = 60;              // no new offer for a rider who declined or let one expire
  int max_bundle_size = 3;                  // orders of one restaurant in one offer
  // [forecast] (the demand model the server trains on its own orders; docs/forecast.md)
  std::string forecast_method = "ets_sqrt_robust";  // any `hotpath forecast` model name
  int forecast_horizon_h = 48;                      // hours ahead the model forecasts
  int forecast_min_history_days = 14;               // no training on less order history
  int forecast_history_days = 56;                   // training window
  int forecast_retrain_interval_s = 24 * 3600;      // the primary retrains this often
  // [staffing]
  double staffing_orders_per_courier_hour = 2.5;  // until enough deliveries are measured (and rider capacity for fees)
  int staffing_min_deliveries = 50;               // measured deliveries needed to use the measured figure
  int staffing_window_days = 28;                  // deliveries measured over this many days
  double staffing_utilisation = 0.8;
  double staffing_service_level = 0.9;            // demand quantile staffed for (0.1 .. 0.9)
  int staffing_min_couriers = 0;
  std::string staffing_shift_starts;              // hours a shift may start, e.g. "7-22" or "8,12,17"; empty: any
  std::string staffing_shift_lengths = "4,6,8";   // shift lengths in hours
  // [fees] (dynamic delivery fee and quotes; docs/forecast.md)
  bool dynamic_fees = false;          // off: the distance fee; on: times the zone's demand multiplier
  double fee_max_multiplier = 2.0;
  std::int64_t fee_max_surcharge = 300;  // minor units above the distance fee
  int fee_refresh_s = 30;             // a zone's multiplier is re-evaluated at most this often
  int fee_demand_window_min = 15;     // live demand: orders placed in the last N minutes
  double fee_load_threshold = 0.8;    // expected demand / rider capacity above which the fee rises
  int fee_quote_validity_s = 300;     // a quote's fee holds this long (its quote_id)
  // [tracking] (docs/tracking.md)
  int rider_stale_after_s = 60;            // riders with no fix for this long drop out of the geo index's answers
  int trail_interval_s = 10;               // one persisted trail point per rider per interval
  int location_flush_interval_ms = 1000;   // trail, latest positions and riders.locations: written this often
  std::int64_t max_unpublished_fixes = 500000;  // fixes waiting for the bus; beyond, counted as dropped
  int position_interval_ms = 1000;         // a subscriber gets the rider's position at most once per interval
  int position_tolerance_ms = 200;         // ...or this much sooner for a fix taken a whole interval after (jitter)
  double geofence_m = 50.0;                // rider.arrived_restaurant / rider.arriving radius
  // [assets]
  std::int64_t max_image_bytes = 8 << 20;  // uploads are also bounded by max_body_bytes
  std::string assets_base_url;             // prefix of asset URLs (a CDN origin); empty: relative
  // [console]
  std::string console_dir;  // built console (web/); empty: "console" next to the binary
  // [[alarms]]: each table as a JSON object text, parsed and validated by ops::ParseAlarm
  std::vector<std::string> alarms_json;
  // [functions] (the runtime's defaults for every built-in function; docs/functions.md)
  int function_concurrency = 4;          // partitions a function handles at once
  int function_max_attempts = 5;         // attempts before the dead-letter topic
  int function_backoff_initial_ms = 200;  // first retry delay (doubles, with jitter)
  int function_backoff_max_ms = 30000;    // cap of the retry delay
  int function_timeout_ms = 10000;        // bound of one attempt's I/O
  // [notify]
  std::string notify_smtp_url;                       // "smtp://host:port" (email off when empty)
  std::string notify_smtp_from = "hotpath@localhost";
  std::string notify_push_url;   // FCM-style HTTP endpoint for mobile push (push off when empty)
  std::string notify_push_key;   // sent as "Authorization: key=<key>"
  std::string notify_alarm_secret;  // HMAC key of alarm webhooks (alarms' own notify targets); "" = unsigned
  int notify_retry_initial_ms = 1000;   // first redelivery delay of a failed notification
  int notify_retry_max_ms = 60000;      // cap of the redelivery delay
  int notify_max_age_s = 86400;         // a notification still failing after this is dead-lettered
  int notify_senders = 8;               // notifications sent at once
  // [cluster] (`hotpath cluster`)
  int processes = 2;                 // api processes at start (the first one is the primary)
  std::string run_dir;               // haproxy.cfg, sockets, logs; empty: "<data_dir>/cluster"
  std::string haproxy_bin = "haproxy";
  std::string metrics_listen = "127.0.0.1:0";  // the controller's own /metrics
  int drain_timeout_s = 30;          // a drained process keeps its streams this long at most
  // [autoscale]
  bool autoscale = false;
  int min_processes = 1;
  int max_processes = 4;
  int autoscale_interval_ms = 1000;      // sampling period
  int scale_out_cooldown_s = 10;
  int scale_in_cooldown_s = 30;
  int scale_out_step = 1;
  int scale_in_step = 1;
  double target_cpu = 0.6;               // cores per process
  double target_in_flight = 8;           // in-flight requests per process
  int target_p95_ms = 250;
  double scale_in_below = 0.5;           // scale in when load/target stays under this
  // flags only
  bool demo = false;

  [[nodiscard]] std::string EffectiveDatabaseUrl() const;
  [[nodiscard]] std::string EffectiveObjectsUrl() const;
};

struct ConfigSources {
  std::optional<std::string> file;                         // --config
  std::map<std::string, std::string> env;                  // HOTPATH_* variables
  std::vector<std::pair<std::string, std::string>> flags;  // ("listen", "127.0.0.1:0"), ("data-dir", ..)
};

// "a, b,,c" -> {"a","b","c"}: trimmed, empty items dropped.
std::vector<std::string> SplitList(const std::string& list);

// "7-10, 17" -> {7,8,9,10,17}: numbers and inclusive ranges within [min, max], duplicates dropped.
Result<std::vector<int>> ParseHourList(const std::string& list, int min, int max);

// "postgresql://u:secret@h/db" -> "postgresql://u:****@h/db" (for logs and CLI output).
std::string RedactUrl(const std::string& url);

// Collects HOTPATH_* from the process environment.
std::map<std::string, std::string> HotpathEnvironment();

// Builds the effective config. Errors name the offending key and its source, e.g.
// "config file x.toml: unknown key 'server.lisen'" or "HOTPATH_TOKEN_TTL_S: must be an integer".
Result<Config> LoadConfig(const ConfigSources& sources);

// Validates a config file without stopping at the first problem: every unknown key (with the
// key it probably meant), every bad value (with the rule it breaks) and every TOML syntax error,
// each as one line "'server.listen': ..." in file order; empty when the file is valid. The config
// with every valid setting applied is returned through `config` (for checks across keys).
std::vector<std::string> CheckConfigFile(const std::string& path, Config* config);

// `key = value` lines in TOML layout, secrets masked as "****".
std::string ShowConfig(const Config& config);

// "127.0.0.1:8080" -> host and port; port 0 allowed.
Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& listen);

}  // namespace hotpath
