#pragma once
// Structured JSON-lines logging: {"time":..,"level":..,"msg":..,<fields>}. One line per event,
// written through spdlog (stderr by default). Thread-safe. A line written on a thread with a
// RequestContext installed (core/trace.h) also carries its request_id, trace_id and span_id.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotpath {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

std::optional<LogLevel> ParseLogLevel(std::string_view s);

class Logger {
 public:
  using Fields = std::vector<std::pair<std::string_view, std::string>>;
  explicit Logger(LogLevel min_level = LogLevel::kInfo);
  void SetLevel(LogLevel l) { min_level_ = l; }
  void Log(LogLevel level, std::string_view msg, const Fields& fields = {}) const;
  void Info(std::string_view msg, const Fields& fields = {}) const { Log(LogLevel::kInfo, msg, fields); }
  void Warn(std::string_view msg, const Fields& fields = {}) const { Log(LogLevel::kWarn, msg, fields); }
  void Error(std::string_view msg, const Fields& fields = {}) const { Log(LogLevel::kError, msg, fields); }
  // Writes an already-formatted JSON line (from the HTTP server's access log).
  void Raw(LogLevel level, std::string_view json_line) const;

 private:
  LogLevel min_level_;
};

}  // namespace hotpath
