#include "app/alarms_cli.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli.h"
#include "app/platform.h"
#include "ops/alarm_rules.h"
#include "ops/alarm_service.h"
#include "ops/metrics.h"

namespace hotpath::app {
namespace {

int Fail(const std::string& message, int code = 2) {
  std::cerr << "hotpath: " << message << "\n";
  return code;
}

constexpr const char* kUsage =
    "usage: hotpath alarms export --prometheus FILE [--config FILE] [--data-dir DIR]\n"
    "       hotpath alarms list [--config FILE] [--data-dir DIR]";

// The alarms as the server would have them, read without writing anything.
Result<std::vector<ops::AlarmStatus>> ReadAlarms(const Config& config) {
  HP_ASSIGN(auto from_config, ConfigAlarms(config));
  ops::FileAlarmStore file((std::filesystem::path(config.data_dir) / "alarms.json").string());
  HP_ASSIGN(auto document, file.Load());
  ops::MemoryAlarmStore memory;
  memory.document_ = document;
  SystemClock clock;
  ops::AlarmService service(clock, memory, nullptr, nullptr);
  HP_TRY(service.Load(from_config));
  return service.List();
}

}  // namespace

int AlarmsCommand(const std::vector<std::string>& args) {
  if (args.empty() || (args.front() != "export" && args.front() != "list")) return Fail(kUsage);
  auto parsed = ParseArgs({args.begin() + 1, args.end()}, {});
  if (!parsed.ok()) return Fail(parsed.error().message);
  if (!parsed->positional.empty()) return Fail(fmt::format("unexpected argument '{}'\n{}", parsed->positional.front(), kUsage));
  std::map<std::string, std::string> own;
  auto sources = ConfigFromArgs(*parsed, args.front() == "export" ? std::set<std::string>{"prometheus"}
                                                                  : std::set<std::string>{},
                                &own);
  if (!sources.ok()) return Fail(sources.error().message);
  auto config = LoadConfig(*sources);
  if (!config.ok()) return Fail(config.error().message);
  auto alarms = ReadAlarms(*config);
  if (!alarms.ok()) return Fail(alarms.error().message, 1);

  if (args.front() == "list") {
    for (const auto& a : *alarms) {
      fmt::print("{:<32} {:<18} {} {} of {} {} {} ({})\n", a.definition.name, ops::AlarmStateName(a.state),
                 a.definition.source, ops::StatisticName(a.definition.statistic), a.definition.metric,
                 ops::ComparisonSymbol(a.definition.comparison), a.definition.threshold, a.reason);
    }
    return 0;
  }
  if (!own.contains("prometheus") || own["prometheus"].empty()) return Fail("alarms export: --prometheus FILE is required");
  ops::Metrics metrics;  // the documented metric types
  auto kind_of = [&metrics](const std::string& name) {
    for (const auto& f : metrics.Declared()) {
      if (f.name != name) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter: return ops::Reading::Kind::kCounter;
        case prometheus::MetricType::Histogram: return ops::Reading::Kind::kHistogram;
        default: return ops::Reading::Kind::kGauge;
      }
    }
    return ops::Reading::Kind::kAbsent;
  };
  std::vector<ops::AlarmDefinition> defs;
  for (const auto& a : *alarms) defs.push_back(a.definition);
  const std::string rules = ops::PrometheusRules(defs, kind_of);
  const std::string& path = own["prometheus"];
  if (path == "-") {
    std::cout << rules;
    return 0;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << rules;
  out.close();
  if (!out) return Fail(fmt::format("alarms export: cannot write {}", path), 1);
  std::cerr << fmt::format("wrote {} alerting rule{} to {}\n", defs.size(), defs.size() == 1 ? "" : "s", path);
  return 0;
}

}  // namespace hotpath::app
