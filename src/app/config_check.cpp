#include "app/config_check.h"

#include <fmt/format.h>

#include "app/platform.h"
#include "cache/redis_url.h"
#include "core/config.h"
#include "storage/database.h"

namespace hotpath::app {

std::vector<std::string> CheckConfig(const std::string& path) {
  Config c;
  auto errors = CheckConfigFile(path, &c);
  if (!errors.empty() && errors.front().rfind("line ", 0) == 0) return errors;  // not TOML: nothing more to say
  if (c.cache_url.rfind("redis://", 0) == 0 || c.cache_url.rfind("rediss://", 0) == 0) {
    if (auto ep = cache::ParseRedisUrl(c.cache_url); !ep.ok())
      errors.push_back(fmt::format("'storage.cache_url': {}", RedactUrl(ep.error().message)));
  }
  if (!c.database_replicas.empty() && !storage::IsPostgresUrl(c.EffectiveDatabaseUrl()))
    errors.push_back("'storage.database_replicas': read replicas need a postgresql:// storage.database_url");
  if (auto alarms = ConfigAlarms(c); !alarms.ok()) errors.push_back(alarms.error().message);
  auto ordered = [&](const char* lo_key, std::int64_t lo, const char* hi_key, std::int64_t hi) {
    if (lo > hi) errors.push_back(fmt::format("'{}' ({}) is above '{}' ({})", lo_key, lo, hi_key, hi));
  };
  ordered("autoscale.min_processes", c.min_processes, "autoscale.max_processes", c.max_processes);
  ordered("functions.function_backoff_initial_ms", c.function_backoff_initial_ms, "functions.function_backoff_max_ms",
          c.function_backoff_max_ms);
  ordered("notify.notify_retry_initial_ms", c.notify_retry_initial_ms, "notify.notify_retry_max_ms",
          c.notify_retry_max_ms);
  for (auto [key, burst] : {std::pair{"rate_limit.rate_limit_user_burst", c.rate_limit_user_burst},
                            std::pair{"rate_limit.rate_limit_ip_burst", c.rate_limit_ip_burst}}) {
    if (burst > 0 && burst < 1)
      errors.push_back(fmt::format("'{}' = {}: must be 0 (twice the rate) or at least 1 request", key, burst));
  }
  return errors;
}

}  // namespace hotpath::app
