// hotpath: one binary, many roles. main() only parses the command line and wires components.

#include <fmt/format.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/alarms_cli.h"
#include "app/cli.h"
#include "app/cluster_cli.h"
#include "app/config_check.h"
#include "app/demo.h"
#include "app/dev_cli.h"
#include "app/events_cli.h"
#include "app/edge_cli.h"
#include "app/platform.h"
#include "core/config.h"
#include "core/log.h"

// The optimisation and forecasting command lines are linked when their libraries are built
// (CMake defines HOTPATH_HAS_*).
#ifdef HOTPATH_HAS_MDRP
#include "dispatch/cli.h"
#endif
#ifdef HOTPATH_HAS_PDPTW
#include "dispatch/pdptw/cli.h"
#endif
#ifdef HOTPATH_HAS_FORECAST
#include "forecast/cli.h"
#endif
#ifdef HOTPATH_HAS_STAFFSIM
#include "staffsim/cli.h"
#endif
#ifdef HOTPATH_HAS_SIMULATE
#include "simulate/cli.h"
#endif
#ifdef HOTPATH_HAS_LOADGEN
#include "loadgen/cli.h"
#endif

namespace hotpath {
// The commit the binary was built from (build_info.cpp, generated at build time by cmake/build_info.cmake).
extern const char* const kBuildCommit;
}  // namespace hotpath

namespace hotpath::app {
namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage = R"(hotpath - real-time food delivery platform

Usage:
  hotpath serve [--listen HOST:PORT] [--data-dir DIR] [--config FILE] [--demo] [--role single|primary|api]
  hotpath migrate [--data-dir DIR] [--config FILE]
  hotpath admin create-user --email E --password P --name N --role ROLE [--restaurant-id ID]
                            [--data-dir DIR] [--config FILE]
  hotpath config show [--config FILE] [--KEY VALUE ...]
  hotpath config check FILE                    # every problem of a config file, explained
  hotpath alarms export --prometheus FILE [--config FILE] [--data-dir DIR] | alarms list
  hotpath events tail --topic TOPIC [--from-beginning] [--no-follow] [--data-dir DIR]
  hotpath events publish --topic TOPIC [--key KEY] [--data-dir DIR] < one record per line
  hotpath functions list | functions replay-dlq NAME [--wait-s N] | functions pause|resume NAME   [--data-dir DIR]
  hotpath cluster [--config FILE] [--processes N] [--listen HOST:PORT] [--data-dir DIR] [--autoscale]
  hotpath autoscale [cluster flags] [--min-processes N] [--max-processes N]   (= cluster --autoscale)
  hotpath dev kafka [--port 9092] [--brokers 3] [--partitions 4]   (a mock Kafka cluster for development)
  hotpath cdn nginx-config --upstream HOST:PORT... --listen HOST:PORT --dir DIR [--menu-ttl-s N]
  hotpath simulate [--url URL] [--speedup X] [--duration S] [--mdrp INSTANCE_DIR] [--json] ...
  hotpath bench tracking [--riders N] [--watchers M] [--seconds S] [--json] ...   (docs/tracking.md)
  hotpath mdrp solve INSTANCE_DIR --out DIR [--seed S] | mdrp bench DIR...
  hotpath pdptw solve INSTANCE.txt --time-limit SECONDS --out FILE [--threads N]
  hotpath forecast backtest|train|predict|prepare ...   hotpath staffing plan ...
  hotpath staffing evaluate INSTANCE_DIR... [--forecast schedule|oracle] ...   (MDRP replay of a staffing plan)
  hotpath --help | --version

Configuration: a TOML file (--config or HOTPATH_CONFIG), then HOTPATH_* environment variables
(HOTPATH_LISTEN, HOTPATH_DATA_DIR, HOTPATH_DATABASE_URL, HOTPATH_CACHE_URL, HOTPATH_EVENTS_URL,
HOTPATH_OBJECTS_URL, HOTPATH_TOKEN_SECRET, ...), then flags (--listen, --data-dir, --worker-threads, ...).
`hotpath config show` prints every key with its effective value.
)";

int Fail(const std::string& message, int code = 2) {
  std::cerr << "hotpath: " << message << "\n";
  return code;
}

Result<Config> LoadFromArgs(const std::vector<std::string>& args, const std::set<std::string>& own,
                            const std::set<std::string>& booleans,
                            std::map<std::string, std::string>* own_values,
                            std::vector<std::string>* positional = nullptr) {
  HP_ASSIGN(auto parsed, ParseArgs(args, booleans));
  if (positional) {
    *positional = parsed.positional;
  } else if (!parsed.positional.empty()) {
    return Error::Invalid(fmt::format("unexpected argument '{}'", parsed.positional.front()));
  }
  HP_ASSIGN(auto sources, ConfigFromArgs(parsed, own, own_values));
  return LoadConfig(sources);
}

int Serve(const std::vector<std::string>& args) {
  // Signals are taken synchronously by this thread; every thread started later
  // (the logger's flusher included) inherits the mask, so no signal lands on another thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto config = LoadFromArgs(args, {}, {"demo"}, nullptr);
  if (!config.ok()) return Fail(config.error().message);
  Logger log(ParseLogLevel(config->log_level).value_or(LogLevel::kInfo));
  Logger::SetBufferBytes(static_cast<std::size_t>(config->log_buffer_bytes));

  auto platform = Platform::Create(*config, log);
  if (!platform.ok()) return Fail(platform.error().message, 1);
  std::optional<DemoSummary> demo;
  if (config->demo) {
    auto seeded = SeedDemoCity(**platform);
    if (!seeded.ok()) return Fail("seeding the demo city failed: " + seeded.error().message, 1);
    demo = std::move(seeded).value();
  }
  if (auto st = (*platform)->Start(); !st.ok()) return Fail(st.error().message, 1);
  auto [host, port] = ParseListen(config->listen).value();
  std::string url = fmt::format("http://{}:{}", host, (*platform)->Port());
  fmt::print("hotpath {} listening on {}\n", kVersion, url);
  if (demo) {
    fmt::print("demo city: {} zones, {} restaurants, {} riders online{}\n", demo->zones, demo->restaurants,
               demo->riders, demo->created ? "" : " (already seeded in this data directory)");
    fmt::print("demo accounts (password for all: {}):\n", demo->accounts.front().password);
    for (const auto& a : demo->accounts) fmt::print("  {:<10} {:<32} {}\n", a.role, a.email, a.note);
    fmt::print("try:  curl '{}/v1/restaurants?lat=40.715&lon=-73.995&radius_m=3000'\n", url);
    fmt::print("      curl {}/v1/openapi.json   |   {}/metrics\n", url, url);
    fmt::print("console: {}/console/  (log in as {} / {})\n", url, demo->accounts.front().email,
               demo->accounts.front().password);
  }
  std::fflush(stdout);
  log.Info("started", {{"listen", url}, {"data_dir", config->data_dir}});

  int sig = 0;
  sigwait(&signals, &sig);
  log.Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*platform)->Stop();
  platform->reset();
  log.Info("stopped");
  return 0;
}

int Migrate(const std::vector<std::string>& args) {
  auto config = LoadFromArgs(args, {}, {}, nullptr);
  if (!config.ok()) return Fail(config.error().message);
  auto db = OpenDatabase(*config, true);
  if (!db.ok()) return Fail(db.error().message, 1);
  fmt::print("schema at version {} ({})\n", (*db)->SchemaVersion(), RedactUrl(config->EffectiveDatabaseUrl()));
  return 0;
}

int AdminCreateUser(const std::vector<std::string>& args) {
  std::map<std::string, std::string> own;
  auto config = LoadFromArgs(args, {"email", "password", "name", "role", "restaurant-id"}, {}, &own);
  if (!config.ok()) return Fail(config.error().message);
  for (const char* required : {"email", "password", "name", "role"}) {
    if (!own.contains(required)) return Fail(fmt::format("admin create-user: --{} is required", required));
  }
  auto role = identity::ParseRole(own["role"]);
  if (!role) return Fail("admin create-user: --role must be one of customer, restaurant, rider, admin");
  Logger log(LogLevel::kWarn);
  auto platform = Platform::Create(*config, log);
  if (!platform.ok()) return Fail(platform.error().message, 1);
  auto user =
      (*platform)->identity().CreateOffline({own["email"], own["password"], own["name"], *role,
                                             own.contains("restaurant-id") ? own["restaurant-id"] : ""});
  if (!user.ok()) {
    std::string detail = user.error().message;
    for (const auto& f : user.error().fields) detail += fmt::format("; {} {}", f.field, f.reason);
    return Fail("admin create-user: " + detail, 1);
  }
  fmt::print("created {} {} ({})\n", identity::RoleName(user->role), user->email, user->id);
  return 0;
}

int ConfigCheck(const std::vector<std::string>& args) {
  if (args.size() != 2) return Fail("usage: hotpath config check FILE");
  const std::string& path = args[1];
  if (!std::filesystem::is_regular_file(path)) return Fail(fmt::format("config check: no file {}", path));
  auto errors = CheckConfig(path);
  for (const auto& e : errors) fmt::print(stderr, "{}: {}\n", path, e);
  if (!errors.empty()) {
    fmt::print(stderr, "{}: {} problem{}\n", path, errors.size(), errors.size() == 1 ? "" : "s");
    return 1;
  }
  fmt::print("{}: valid\n", path);
  return 0;
}

int ConfigShow(const std::vector<std::string>& args) {
  if (!args.empty() && args.front() == "check") return ConfigCheck(args);
  if (args.empty() || args.front() != "show")
    return Fail("usage: hotpath config show [--config FILE] [--KEY VALUE ...] | config check FILE");
  auto config = LoadFromArgs({args.begin() + 1, args.end()}, {}, {"demo"}, nullptr);
  if (!config.ok()) return Fail(config.error().message);
  fmt::print("{}", ShowConfig(*config));
  return 0;
}

int Run(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    fmt::print("{}", kUsage);
    return argv.empty() ? 2 : 0;
  }
  if (argv[0] == "--version") {
    fmt::print("hotpath {} (commit {})\n", kVersion, kBuildCommit);
    return 0;
  }
  const std::string& cmd = argv[0];
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (cmd == "serve") return Serve(rest);
  if (cmd == "migrate") return Migrate(rest);
  if (cmd == "config") return ConfigShow(rest);
  if (cmd == "events") return EventsCommand(rest);
  if (cmd == "dev") return DevCommand(rest);
  if (cmd == "alarms") return AlarmsCommand(rest);
  if (cmd == "functions") return FunctionsCommand(rest);
  if (cmd == "cdn") return CdnCommand(rest);
  if (cmd == "cluster") return ClusterCommand(rest);
  if (cmd == "autoscale") {  // the cluster with its controller on: `hotpath cluster --autoscale`
    rest.insert(rest.begin(), "--autoscale");
    return ClusterCommand(rest);
  }
  if (cmd == "admin") {
    if (rest.empty() || rest.front() != "create-user")
      return Fail("usage: hotpath admin create-user --email E ...");
    return AdminCreateUser({rest.begin() + 1, rest.end()});
  }
#ifdef HOTPATH_HAS_MDRP
  if (cmd == "mdrp") return dispatch::MdrpCommand(rest);
#endif
#ifdef HOTPATH_HAS_PDPTW
  if (cmd == "pdptw") return dispatch::pdptw::PdptwCommand(rest);
#endif
#ifdef HOTPATH_HAS_LOADGEN
  if (cmd == "bench") return loadgen::BenchCommand(rest);
#endif
#ifdef HOTPATH_HAS_SIMULATE
  if (cmd == "simulate") return simulate::SimulateCommand(rest);
#endif
#ifdef HOTPATH_HAS_STAFFSIM
  if (cmd == "staffing" && !rest.empty() && rest.front() == "evaluate")
    return staffsim::EvaluateCommand({rest.begin() + 1, rest.end()});
#endif
#ifdef HOTPATH_HAS_FORECAST
  if (cmd == "forecast") return forecast::ForecastCommand(rest);
  if (cmd == "staffing") return forecast::StaffingCommand(rest);
#endif
  return Fail(fmt::format("unknown command '{}'; see hotpath --help", cmd));
}

}  // namespace
}  // namespace hotpath::app

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return hotpath::app::Run(args);
  } catch (const std::exception& e) {
    std::cerr << "hotpath: fatal: " << e.what() << "\n";
    return 1;
  }
}
