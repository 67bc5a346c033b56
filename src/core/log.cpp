#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <chrono>

#include "core/json.h"
#include "core/trace.h"

namespace hotpath {
namespace {
std::shared_ptr<spdlog::logger> Sink() {
  static auto logger = [] {
    auto l = spdlog::stderr_logger_mt("hotpath-json");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::warn);
    spdlog::flush_every(std::chrono::seconds(1));  // access logs: no flush per request
    return l;
  }();
  return logger;
}
std::string_view Name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}
std::string Quote(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }
}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return std::nullopt;
}

Logger::Logger(LogLevel min_level) : min_level_(min_level) { Sink(); }

void Logger::Log(LogLevel level, std::string_view msg, const Fields& fields) const {
  if (level < min_level_) return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string line = "{\"time\":" + Quote(json::FormatTime(now)) + ",\"level\":" + Quote(Name(level)) +
                     ",\"msg\":" + Quote(msg);
  bool has_request_id = false;
  bool has_trace_id = false;
  for (const auto& [k, v] : fields) {
    has_request_id = has_request_id || k == "request_id";
    has_trace_id = has_trace_id || k == "trace_id";
    line += "," + Quote(k) + ":" + Quote(v);
  }
  // Lines written while handling a request (or a write unit it caused) carry its ids.
  const RequestContext& context = CurrentRequestContext();
  if (!has_request_id && !context.request_id.empty()) line += ",\"request_id\":" + Quote(context.request_id);
  if (!has_trace_id && !context.trace_id.empty()) {
    line += ",\"trace_id\":" + Quote(context.trace_id) + ",\"span_id\":" + Quote(context.span_id);
  }
  line += "}";
  Sink()->info(line);
}

void Logger::Raw(LogLevel level, std::string_view json_line) const {
  if (level < min_level_) return;
  Sink()->info(json_line);
}

}  // namespace hotpath
