#include "core/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <sstream>

extern char** environ;

namespace hotpath {
namespace {

using Setter = std::function<std::optional<std::string>(Config&, const std::string&)>;  // error or nullopt
using Getter = std::function<std::string(const Config&)>;

struct Key {
  std::string section;
  std::string name;
  bool secret;
  Setter set;
  Getter get;
  [[nodiscard]] std::string toml() const { return section + "." + name; }
  [[nodiscard]] std::string env() const {
    std::string e = "HOTPATH_";
    for (char c : name)
      e.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return e;
  }
  [[nodiscard]] std::string flag() const {
    std::string f;
    for (char c : name) f.push_back(c == '_' ? '-' : c);
    return f;
  }
};

template <typename T>
Key IntKey(std::string section, std::string name, T Config::*field, std::int64_t min, std::int64_t max) {
  return Key{std::move(section), std::move(name), false,
             [=](Config& c, const std::string& v) -> std::optional<std::string> {
               std::int64_t out = 0;
               auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
               if (ec != std::errc() || p != v.data() + v.size()) return "must be an integer";
               if (out < min || out > max) return fmt::format("must be between {} and {}", min, max);
               c.*field = static_cast<T>(out);
               return std::nullopt;
             },
             [=](const Config& c) { return std::to_string(c.*field); }};
}

Key DoubleKey(std::string section, std::string name, double Config::*field, double min, double max) {
  return Key{std::move(section), std::move(name), false,
             [=](Config& c, const std::string& v) -> std::optional<std::string> {
               char* end = nullptr;
               double d = std::strtod(v.c_str(), &end);
               if (v.empty() || end != v.c_str() + v.size()) return "must be a number";
               if (d < min || d > max) return fmt::format("must be between {} and {}", min, max);
               c.*field = d;
               return std::nullopt;
             },
             [=](const Config& c) { return fmt::format("{}", c.*field); }};
}

Key BoolKey(std::string section, std::string name, bool Config::*field) {
  return Key{std::move(section), std::move(name), false,
             [=](Config& c, const std::string& v) -> std::optional<std::string> {
               if (v == "true" || v == "1") {
                 c.*field = true;
               } else if (v == "false" || v == "0") {
                 c.*field = false;
               } else {
                 return "must be true or false";
               }
               return std::nullopt;
             },
             [=](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

Key StringKey(std::string section, std::string name, std::string Config::*field, bool secret,
              std::function<std::optional<std::string>(const std::string&)> check = {}) {
  return Key{std::move(section), std::move(name), secret,
             [=](Config& c, const std::string& v) -> std::optional<std::string> {
               if (check) {
                 if (auto err = check(v)) return err;
               }
               c.*field = v;
               return std::nullopt;
             },
             [=](const Config& c) { return c.*field; }};
}

std::optional<std::string> CheckScheme(const std::string& v,
                                       std::initializer_list<std::string_view> schemes) {
  if (v.empty()) return std::nullopt;
  for (auto s : schemes) {
    if (v.rfind(s, 0) == 0) return std::nullopt;
  }
  std::string list;
  for (auto s : schemes) list += (list.empty() ? "" : ", ") + std::string(s);
  return fmt::format("unsupported URL '{}' (this build supports: {})", v, list);
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      StringKey("server", "listen", &Config::listen, false,
                [](const std::string& v) -> std::optional<std::string> {
                  auto r = ParseListen(v);
                  if (!r) return r.error().message;
                  return std::nullopt;
                }),
      IntKey("server", "io_threads", &Config::io_threads, 1, 64),
      IntKey("server", "worker_threads", &Config::worker_threads, 1, 1024),
      IntKey("server", "max_body_bytes", &Config::max_body_bytes, 1024, 64 << 20),
      IntKey("server", "shutdown_grace_ms", &Config::shutdown_grace_ms, 0, 600000),
      IntKey("server", "outbox_poll_ms", &Config::outbox_poll_ms, 1, 600000),
      IntKey("server", "max_stream_queue", &Config::max_stream_queue, 16, 1000000),
      StringKey("server", "role", &Config::role, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v != "single" && v != "primary" && v != "api") return "must be single, primary or api";
                  return std::nullopt;
                }),
      StringKey("storage", "data_dir", &Config::data_dir, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v.empty()) return "must not be empty";
                  return std::nullopt;
                }),
      StringKey("storage", "database_url", &Config::database_url, true,
                [](const std::string& v) {
                  return CheckScheme(v, {"sqlite:", "postgresql://", "postgres://"});
                }),
      StringKey("storage", "database_replicas", &Config::database_replicas, true,
                [](const std::string& v) -> std::optional<std::string> {
                  for (const auto& r : SplitList(v)) {
                    if (r.rfind("postgresql://", 0) != 0 && r.rfind("postgres://", 0) != 0)
                      return fmt::format("replica '{}' must be a postgresql:// URL", r);
                  }
                  return std::nullopt;
                }),
      IntKey("storage", "database_pool_size", &Config::database_pool_size, 1, 1000),
      IntKey("storage", "database_writers", &Config::database_writers, 0, 64),
      BoolKey("storage", "migrate_on_start", &Config::migrate_on_start),
      StringKey("storage", "cache_url", &Config::cache_url, true,
                [](const std::string& v) { return CheckScheme(v, {"memory:", "redis://", "rediss://"}); }),
      IntKey("storage", "cache_ttl_s", &Config::cache_ttl_s, 1, 7 * 86400),
      IntKey("storage", "cache_timeout_ms", &Config::cache_timeout_ms, 10, 60000),
      StringKey("storage", "events_url", &Config::events_url, true,
                [](const std::string& v) { return CheckScheme(v, {"embedded:", "kafka://"}); }),
      StringKey("storage", "objects_url", &Config::objects_url, true,
                [](const std::string& v) {
                  return CheckScheme(v, {"file:", "s3://"});
                }),
      IntKey("storage", "commit_batch_max", &Config::commit_batch_max, 1, 10000),
      StringKey("auth", "token_secret", &Config::token_secret, true,
                [](const std::string& v) -> std::optional<std::string> {
                  if (!v.empty() && v.size() < 32) return "must be at least 32 characters";
                  return std::nullopt;
                }),
      IntKey("auth", "token_ttl_s", &Config::token_ttl_s, 60, 30 * 24 * 3600),
      DoubleKey("rate_limit", "rate_limit_user_per_s", &Config::rate_limit_user_per_s, 0, 1e9),
      DoubleKey("rate_limit", "rate_limit_user_burst", &Config::rate_limit_user_burst, 0, 1e9),
      DoubleKey("rate_limit", "rate_limit_ip_per_s", &Config::rate_limit_ip_per_s, 0, 1e9),
      DoubleKey("rate_limit", "rate_limit_ip_burst", &Config::rate_limit_ip_burst, 0, 1e9),
      StringKey("log", "log_level", &Config::log_level, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v != "debug" && v != "info" && v != "warn" && v != "error")
                    return "must be one of debug, info, warn, error";
                  return std::nullopt;
                }),
      IntKey("log", "log_buffer_bytes", &Config::log_buffer_bytes, 0, 16 << 20),
      StringKey("pricing", "currency", &Config::currency, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v.size() != 3 ||
                      !std::all_of(v.begin(), v.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
                    return "must be an ISO 4217 code like USD";
                  return std::nullopt;
                }),
      IntKey("pricing", "delivery_base_fee", &Config::delivery_base_fee, 0, 100000),
      IntKey("pricing", "delivery_fee_per_km", &Config::delivery_fee_per_km, 0, 100000),
      IntKey("pricing", "small_order_threshold", &Config::small_order_threshold, 0, 10000000),
      IntKey("pricing", "small_order_fee", &Config::small_order_fee, 0, 100000),
      DoubleKey("pricing", "max_delivery_km", &Config::max_delivery_km, 0.1, 200),
      DoubleKey("pricing", "rider_speed_kmh", &Config::rider_speed_kmh, 1, 200),
      IntKey("dispatch", "assign_interval_ms", &Config::assign_interval_ms, 10, 600000),
      StringKey("forecast", "forecast_method", &Config::forecast_method, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v.empty()) return "must not be empty";
                  return std::nullopt;
                }),
      IntKey("forecast", "forecast_horizon_h", &Config::forecast_horizon_h, 24, 168),
      IntKey("forecast", "forecast_min_history_days", &Config::forecast_min_history_days, 14, 365),
      IntKey("forecast", "forecast_history_days", &Config::forecast_history_days, 14, 366),
      IntKey("forecast", "forecast_retrain_interval_s", &Config::forecast_retrain_interval_s, 60, 30 * 86400),
      DoubleKey("staffing", "staffing_orders_per_courier_hour", &Config::staffing_orders_per_courier_hour, 0.1, 100),
      IntKey("staffing", "staffing_min_deliveries", &Config::staffing_min_deliveries, 1, 1000000),
      IntKey("staffing", "staffing_window_days", &Config::staffing_window_days, 1, 365),
      DoubleKey("staffing", "staffing_utilisation", &Config::staffing_utilisation, 0.05, 1),
      DoubleKey("staffing", "staffing_service_level", &Config::staffing_service_level, 0.1, 0.9),
      IntKey("staffing", "staffing_min_couriers", &Config::staffing_min_couriers, 0, 100000),
      StringKey("staffing", "staffing_shift_starts", &Config::staffing_shift_starts, false,
                [](const std::string& v) -> std::optional<std::string> {
                  auto r = ParseHourList(v, 0, 23);
                  if (!r) return r.error().message;
                  return std::nullopt;
                }),
      StringKey("staffing", "staffing_shift_lengths", &Config::staffing_shift_lengths, false,
                [](const std::string& v) -> std::optional<std::string> {
                  auto r = ParseHourList(v, 1, 24);
                  if (!r) return r.error().message;
                  if (r->empty()) return "must list at least one length";
                  return std::nullopt;
                }),
      BoolKey("fees", "dynamic_fees", &Config::dynamic_fees),
      DoubleKey("fees", "fee_max_multiplier", &Config::fee_max_multiplier, 1, 10),
      IntKey("fees", "fee_max_surcharge", &Config::fee_max_surcharge, 0, 100000),
      IntKey("fees", "fee_refresh_s", &Config::fee_refresh_s, 1, 3600),
      IntKey("fees", "fee_demand_window_min", &Config::fee_demand_window_min, 1, 240),
      DoubleKey("fees", "fee_load_threshold", &Config::fee_load_threshold, 0.05, 10),
      IntKey("fees", "fee_quote_validity_s", &Config::fee_quote_validity_s, 10, 3600),
      IntKey("tracking", "rider_stale_after_s", &Config::rider_stale_after_s, 1, 86400),
      IntKey("tracking", "trail_interval_s", &Config::trail_interval_s, 1, 86400),
      IntKey("tracking", "location_flush_interval_ms", &Config::location_flush_interval_ms, 10, 60000),
      IntKey("tracking", "max_unpublished_fixes", &Config::max_unpublished_fixes, 0, 100000000),
      IntKey("tracking", "position_interval_ms", &Config::position_interval_ms, 0, 600000),
      IntKey("tracking", "position_tolerance_ms", &Config::position_tolerance_ms, 0, 600000),
      DoubleKey("tracking", "geofence_m", &Config::geofence_m, 1, 10000),
      IntKey("assets", "max_image_bytes", &Config::max_image_bytes, 1024, 64 << 20),
      StringKey("assets", "assets_base_url", &Config::assets_base_url, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v.empty() ||
                      ((v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) && v.back() != '/'))
                    return std::nullopt;
                  return "must be an http(s) URL without a trailing slash";
                }),
      StringKey("dispatch", "dispatch_mode", &Config::dispatch_mode, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v != "optimised" && v != "nearest") return "must be optimised or nearest";
                  return std::nullopt;
                }),
      IntKey("dispatch", "dispatch_epoch_ms", &Config::dispatch_epoch_ms, 100, 600000),
      IntKey("dispatch", "offer_timeout_s", &Config::offer_timeout_s, 1, 3600),
      IntKey("dispatch", "decline_cooldown_s", &Config::decline_cooldown_s, 0, 3600),
      IntKey("dispatch", "max_bundle_size", &Config::max_bundle_size, 1, 5),
      StringKey("console", "console_dir", &Config::console_dir, false),
      IntKey("functions", "function_concurrency", &Config::function_concurrency, 1, 64),
      IntKey("functions", "function_max_attempts", &Config::function_max_attempts, 1, 100),
      IntKey("functions", "function_backoff_initial_ms", &Config::function_backoff_initial_ms, 1, 600000),
      IntKey("functions", "function_backoff_max_ms", &Config::function_backoff_max_ms, 1, 3600000),
      IntKey("functions", "function_timeout_ms", &Config::function_timeout_ms, 10, 600000),
      StringKey("notify", "notify_smtp_url", &Config::notify_smtp_url, true,
                [](const std::string& v) { return CheckScheme(v, {"smtp://", "smtps://"}); }),
      StringKey("notify", "notify_smtp_from", &Config::notify_smtp_from, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v.find('@') == std::string::npos) return "must be an email address";
                  return std::nullopt;
                }),
      StringKey("notify", "notify_push_url", &Config::notify_push_url, false,
                [](const std::string& v) { return CheckScheme(v, {"http://", "https://"}); }),
      StringKey("notify", "notify_push_key", &Config::notify_push_key, true),
      StringKey("notify", "notify_alarm_secret", &Config::notify_alarm_secret, true),
      IntKey("notify", "notify_retry_initial_ms", &Config::notify_retry_initial_ms, 1, 600000),
      IntKey("notify", "notify_retry_max_ms", &Config::notify_retry_max_ms, 1, 3600000),
      IntKey("notify", "notify_max_age_s", &Config::notify_max_age_s, 1, 30 * 86400),
      IntKey("notify", "notify_senders", &Config::notify_senders, 1, 256),
      IntKey("cluster", "processes", &Config::processes, 1, 64),
      StringKey("cluster", "run_dir", &Config::run_dir, false),
      StringKey("cluster", "haproxy_bin", &Config::haproxy_bin, false,
                [](const std::string& v) -> std::optional<std::string> {
                  if (v.empty()) return "must not be empty";
                  return std::nullopt;
                }),
      StringKey("cluster", "metrics_listen", &Config::metrics_listen, false,
                [](const std::string& v) -> std::optional<std::string> {
                  auto r = ParseListen(v);
                  if (!r) return r.error().message;
                  return std::nullopt;
                }),
      IntKey("cluster", "drain_timeout_s", &Config::drain_timeout_s, 0, 3600),
      BoolKey("autoscale", "autoscale", &Config::autoscale),
      IntKey("autoscale", "min_processes", &Config::min_processes, 1, 64),
      IntKey("autoscale", "max_processes", &Config::max_processes, 1, 64),
      IntKey("autoscale", "autoscale_interval_ms", &Config::autoscale_interval_ms, 100, 600000),
      IntKey("autoscale", "scale_out_cooldown_s", &Config::scale_out_cooldown_s, 0, 3600),
      IntKey("autoscale", "scale_in_cooldown_s", &Config::scale_in_cooldown_s, 0, 3600),
      IntKey("autoscale", "scale_out_step", &Config::scale_out_step, 1, 64),
      IntKey("autoscale", "scale_in_step", &Config::scale_in_step, 1, 64),
      DoubleKey("autoscale", "target_cpu", &Config::target_cpu, 0.01, 64),
      DoubleKey("autoscale", "target_in_flight", &Config::target_in_flight, 0.1, 100000),
      IntKey("autoscale", "target_p95_ms", &Config::target_p95_ms, 1, 600000),
      DoubleKey("autoscale", "scale_in_below", &Config::scale_in_below, 0.01, 0.99),
  };
  return keys;
}

const Key* FindBy(const std::function<bool(const Key&)>& pred) {
  for (const auto& k : Keys()) {
    if (pred(k)) return &k;
  }
  return nullptr;
}

std::optional<std::string> NodeToString(const toml::node& node) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  return std::nullopt;
}

}  // namespace

Result<std::vector<int>> ParseHourList(const std::string& list, int min, int max) {
  std::vector<int> out;
  for (const auto& item : SplitList(list)) {
    int a = 0;
    int b = 0;
    const auto dash = item.find('-');
    const std::string first = item.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : item.substr(dash + 1);
    auto [p1, e1] = std::from_chars(first.data(), first.data() + first.size(), a);
    auto [p2, e2] = std::from_chars(last.data(), last.data() + last.size(), b);
    if (first.empty() || last.empty() || e1 != std::errc() || e2 != std::errc() ||
        p1 != first.data() + first.size() || p2 != last.data() + last.size() || a > b || a < min || b > max)
      return Error::Invalid(fmt::format("'{}' is not a number or range A-B within {}..{}", item, min, max));
    for (int h = a; h <= b; ++h) {
      if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
    }
  }
  return out;
}

std::string Config::EffectiveDatabaseUrl() const {
  return database_url.empty() ? "sqlite:" + data_dir + "/hotpath.db" : database_url;
}
std::string Config::EffectiveObjectsUrl() const {
  return objects_url.empty() ? "file:" + data_dir + "/objects" : objects_url;
}

std::string RedactUrl(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "****" + url.substr(at);
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(start, comma - start);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

std::map<std::string, std::string> HotpathEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("HOTPATH_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error::Invalid("must look like HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  std::string_view p(listen.data() + colon + 1, listen.size() - colon - 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port < 0 || port > 65535)
    return Error::Invalid("port must be an integer between 0 and 65535");
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config c;
  auto apply = [&](const Key& k, const std::string& value, const std::string& origin) -> Status {
    if (auto err = k.set(c, value)) return Error::Invalid(fmt::format("{}: {}", origin, *err));
    return OkStatus();
  };
  if (sources.file) {
    toml::table table;
    try {
      table = toml::parse_file(*sources.file);
    } catch (const toml::parse_error& e) {
      return Error::Invalid(fmt::format("config file {}: {} (line {}, column {})", *sources.file,
                                        e.description(), e.source().begin.line, e.source().begin.column));
    }
    for (const auto& [section, node] : table) {
      if (section.str() == "alarms" && node.is_array()) {  // [[alarms]]: handed over as JSON
        std::size_t i = 0;
        for (const auto& item : *node.as_array()) {
          if (!item.is_table())
            return Error::Invalid(fmt::format("config file {}: alarms[{}] must be a table ([[alarms]])", *sources.file, i));
          std::ostringstream json;
          json << toml::json_formatter{*item.as_table()};
          c.alarms_json.push_back(json.str());
          ++i;
        }
        continue;
      }
      const auto* sub = node.as_table();
      if (!sub) {
        return Error::Invalid(
            fmt::format("config file {}: unknown key '{}' (settings live in sections such as [server])",
                        *sources.file, std::string(section.str())));
      }
      for (const auto& [name, value] : *sub) {
        std::string full = std::string(section.str()) + "." + std::string(name.str());
        if (full == "events.kafka" && value.is_table()) {  // librdkafka properties, checked when used
          for (const auto& [prop, pv] : *value.as_table()) {
            auto text = NodeToString(pv);
            if (!text)
              return Error::Invalid(fmt::format("config file {}: 'events.kafka.{}' must be a scalar", *sources.file,
                                                std::string(prop.str())));
            c.events_kafka[std::string(prop.str())] = *text;
          }
          continue;
        }
        const Key* k = FindBy([&](const Key& key) { return key.toml() == full; });
        if (!k) return Error::Invalid(fmt::format("config file {}: unknown key '{}'", *sources.file, full));
        auto text = NodeToString(value);
        if (!text)
          return Error::Invalid(fmt::format("config file {}: '{}' must be a scalar", *sources.file, full));
        HP_TRY(apply(*k, *text, fmt::format("config file {}: '{}'", *sources.file, full)));
      }
    }
  }
  for (const auto& [name, value] : sources.env) {
    if (name == "HOTPATH_CONFIG" || name == "HOTPATH_SHARED_DIR") continue;
    const Key* k = FindBy([&](const Key& key) { return key.env() == name; });
    if (!k) return Error::Invalid(fmt::format("environment: unknown variable {}", name));
    HP_TRY(apply(*k, value, name));
  }
  for (const auto& [name, value] : sources.flags) {
    if (name == "demo") {
      c.demo = true;
      continue;
    }
    const Key* k = FindBy([&](const Key& key) { return key.flag() == name; });
    if (!k) return Error::Invalid(fmt::format("unknown flag --{}", name));
    HP_TRY(apply(*k, value, "--" + name));
  }
  return c;
}

namespace {
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "unknown key 'server.lisen' (did you mean 'server.listen'?)", or the section the name belongs in.
std::string UnknownKey(const std::string& full) {
  const std::string name = full.substr(full.find('.') + 1);
  if (const Key* k = FindBy([&](const Key& key) { return key.name == name; }))
    return fmt::format("unknown key '{}' ('{}' belongs in [{}])", full, name, k->section);
  const Key* best = nullptr;
  std::size_t best_d = 4;
  for (const auto& k : Keys()) {
    std::size_t d = EditDistance(full, k.toml());
    if (d < best_d) {
      best_d = d;
      best = &k;
    }
  }
  if (best) return fmt::format("unknown key '{}' (did you mean '{}'?)", full, best->toml());
  return fmt::format("unknown key '{}' (`hotpath config show` lists every key)", full);
}
}  // namespace

std::vector<std::string> CheckConfigFile(const std::string& path, Config* config) {
  std::vector<std::string> errors;
  Config c;
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    errors.push_back(fmt::format("line {}, column {}: {}", e.source().begin.line, e.source().begin.column,
                                 e.description()));
    return errors;
  }
  for (const auto& [section, node] : table) {
    const std::string sec(section.str());
    if (sec == "alarms") {
      if (!node.is_array()) {
        errors.push_back("'alarms' must be an array of tables ([[alarms]])");
        continue;
      }
      std::size_t i = 0;
      for (const auto& item : *node.as_array()) {
        if (!item.is_table()) {
          errors.push_back(fmt::format("alarms[{}] must be a table ([[alarms]])", i));
        } else {
          std::ostringstream json;
          json << toml::json_formatter{*item.as_table()};
          c.alarms_json.push_back(json.str());
        }
        ++i;
      }
      continue;
    }
    const auto* sub = node.as_table();
    if (!sub) {
      errors.push_back(fmt::format("'{}' is not a section: settings live in sections such as [server]{}", sec,
                                   FindBy([&](const Key& k) { return k.name == sec; })
                                       ? fmt::format(" ('{}' belongs in [{}])", sec,
                                                     FindBy([&](const Key& k) { return k.name == sec; })->section)
                                       : std::string()));
      continue;
    }
    for (const auto& [name, value] : *sub) {
      std::string full = sec + "." + std::string(name.str());
      if (full == "events.kafka" && value.is_table()) {
        for (const auto& [prop, pv] : *value.as_table()) {
          auto text = NodeToString(pv);
          if (!text) {
            errors.push_back(fmt::format("'events.kafka.{}' must be a scalar", std::string(prop.str())));
          } else {
            c.events_kafka[std::string(prop.str())] = *text;
          }
        }
        continue;
      }
      const Key* k = FindBy([&](const Key& key) { return key.toml() == full; });
      if (!k) {
        errors.push_back(UnknownKey(full));
        continue;
      }
      auto text = NodeToString(value);
      if (!text) {
        errors.push_back(fmt::format("'{}' must be a scalar (a string, number or boolean)", full));
        continue;
      }
      if (auto err = k->set(c, *text)) {
        const std::string shown =
            !k->secret ? *text : text->find("://") != std::string::npos ? RedactUrl(*text) : std::string("****");
        errors.push_back(fmt::format("'{}' = {}: {}", full, shown, *err));
      }
    }
  }
  if (config) *config = std::move(c);
  return errors;
}

std::string ShowConfig(const Config& config) {
  std::string out;
  // Each section once, in the order sections first appear in Keys(), even when its keys are not
  // contiguous there (a table may be declared only once in TOML).
  std::vector<std::string> sections;
  for (const auto& k : Keys())
    if (std::find(sections.begin(), sections.end(), k.section) == sections.end()) sections.push_back(k.section);
  std::vector<const Key*> ordered;
  for (const auto& section : sections)
    for (const auto& k : Keys())
      if (k.section == section) ordered.push_back(&k);
  std::string section;
  for (const Key* kp : ordered) {
    const Key& k = *kp;
    if (k.section != section) {
      section = k.section;
      out += (out.empty() ? "" : "\n") + fmt::format("[{}]\n", section);
    }
    std::string v = k.get(config);
    if (k.secret && !v.empty()) {
      // URLs keep their scheme and host so operators can see where they point; secrets inside go.
      auto mask = [](const std::string& url) {
        auto at = url.find('@');
        return at == std::string::npos ? url : url.substr(0, url.find("://") + 3) + "****" + url.substr(at);
      };
      if (k.name == "token_secret") {
        v = "****";
      } else if (k.name == "database_replicas") {  // a list: every replica's credentials go
        std::string masked;
        for (const auto& r : SplitList(v)) masked += (masked.empty() ? "" : ", ") + mask(r);
        v = masked;
      } else {
        v = mask(v);
      }
    }
    out += fmt::format("{} = \"{}\"\n", k.name, v);
  }
  if (!config.events_kafka.empty()) {
    out += "\n[events.kafka]\n";
    for (const auto& [name, value] : config.events_kafka) {
      bool secret = name.find("password") != std::string::npos || name.find("secret") != std::string::npos ||
                    name.find(".key") != std::string::npos;
      out += fmt::format("\"{}\" = \"{}\"\n", name, secret ? "****" : value);
    }
  }
  return out;
}

}  // namespace hotpath
