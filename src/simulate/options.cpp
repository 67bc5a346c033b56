#include "simulate/options.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

namespace hotpath::simulate {

const char* const kSimulateUsage = R"(usage: hotpath simulate [--url URL] [--speedup X] [--duration S] [--drain S] [--seed N]
                        [--customers N] [--restaurants N] [--riders N] [--orders-per-hour X]
                        [--start HH:MM] [--cancel-rate P] [--reject-rate P] [--rider-speed-kmh X]
                        [--mdrp INSTANCE_DIR] [--password P] [--admin-email E] [--concurrency N]
                        [--orders-out FILE] [--json] [--quiet]
Drives a running hotpath (default http://127.0.0.1:8080, started with --demo) with virtual customers,
restaurants and riders over its HTTP API; see docs/simulate.md.
)";

namespace {

Result<double> Number(const std::string& flag, const std::string& v, double min, double max) {
  double x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x)) {
    return Error::Invalid(fmt::format("--{} needs a number, got '{}'", flag, v));
  }
  if (x < min || x > max) return Error::Invalid(fmt::format("--{} must be between {} and {}, got {}", flag, min, max, v));
  return x;
}

Result<int> Integer(const std::string& flag, const std::string& v, int min, int max) {
  int x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return Error::Invalid(fmt::format("--{} needs a whole number, got '{}'", flag, v));
  }
  if (x < min || x > max) return Error::Invalid(fmt::format("--{} must be between {} and {}, got {}", flag, min, max, v));
  return x;
}

Result<double> ClockHour(const std::string& v) {
  int h = 0, m = 0;
  auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0 || v.size() - colon != 3) {
    return Error::Invalid(fmt::format("--start needs a time of day HH:MM, got '{}'", v));
  }
  auto hr = Integer("start", v.substr(0, colon), 0, 23);
  auto mr = Integer("start", v.substr(colon + 1), 0, 59);
  if (!hr.ok() || !mr.ok()) return Error::Invalid(fmt::format("--start needs a time of day HH:MM, got '{}'", v));
  h = *hr;
  m = *mr;
  return h + m / 60.0;
}

}  // namespace

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  using Setter = std::function<Status(const std::string&)>;
  auto num = [](double* out, const char* flag, double min, double max) -> Setter {
    return [=](const std::string& v) -> Status {
      HP_ASSIGN(*out, Number(flag, v, min, max));
      return OkStatus();
    };
  };
  auto integer = [](int* out, const char* flag, int min, int max) -> Setter {
    return [=](const std::string& v) -> Status {
      HP_ASSIGN(*out, Integer(flag, v, min, max));
      return OkStatus();
    };
  };
  auto text = [](std::string* out) -> Setter {
    return [=](const std::string& v) -> Status {
      *out = v;
      return OkStatus();
    };
  };
  std::map<std::string, Setter> flags{
      {"url", text(&o.url)},
      {"speedup", num(&o.speedup, "speedup", 0.1, 3600)},
      {"duration", num(&o.duration_s, "duration", 0, 7 * 86400)},
      {"drain", num(&o.drain_s, "drain", 0, 86400)},
      {"seed",
       [&o](const std::string& v) -> Status {
         std::uint64_t x = 0;
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
         if (ec != std::errc() || end != v.data() + v.size())
           return Error::Invalid(fmt::format("--seed needs a non-negative whole number, got '{}'", v));
         o.seed = x;
         return OkStatus();
       }},
      {"customers", integer(&o.customers, "customers", 1, 10000)},
      {"restaurants", integer(&o.restaurants, "restaurants", 1, 999)},
      {"riders", integer(&o.riders, "riders", 1, 999)},
      {"orders-per-hour", num(&o.orders_per_hour, "orders-per-hour", 0.1, 1e6)},
      {"start",
       [&o](const std::string& v) -> Status {
         HP_ASSIGN(o.start_hour, ClockHour(v));
         return OkStatus();
       }},
      {"cancel-rate", num(&o.cancel_rate, "cancel-rate", 0, 1)},
      {"reject-rate", num(&o.reject_rate, "reject-rate", 0, 1)},
      {"rider-speed-kmh", num(&o.rider_speed_kmh, "rider-speed-kmh", 1, 150)},
      {"mdrp", text(&o.mdrp)},
      {"password", text(&o.password)},
      {"admin-email", text(&o.admin_email)},
      {"concurrency", integer(&o.concurrency, "concurrency", 1, 256)},
      {"orders-out", text(&o.orders_out)},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) return Error::Invalid(fmt::format("unexpected argument '{}'", a));
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "json" || name == "quiet") {
      if (value) return Error::Invalid(fmt::format("--{} takes no value", name));
      (name == "json" ? o.json : o.quiet) = true;
      continue;
    }
    auto it = flags.find(name);
    if (it == flags.end()) return Error::Invalid(fmt::format("unknown flag --{}", name));
    if (!value) {
      if (i + 1 >= args.size()) return Error::Invalid(fmt::format("flag --{} needs a value", name));
      value = args[++i];
    }
    HP_TRY(it->second(*value));
  }
  if (o.url.rfind("http://", 0) != 0 || o.url.size() <= 7) {
    return Error::Invalid(fmt::format("--url must be an http:// URL of a running hotpath, got '{}'", o.url));
  }
  while (o.url.size() > 7 && o.url.back() == '/') o.url.pop_back();
  if (o.cancel_rate + o.reject_rate > 1) return Error::Invalid("--cancel-rate plus --reject-rate must not exceed 1");
  return o;
}

}  // namespace hotpath::simulate
