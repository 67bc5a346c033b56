#pragma once
// Structured JSON-lines logging: {"time":..,"level":..,"msg":..,<fields>}. One line per event,
// written through spdlog to stderr. Thread-safe. Info lines passed to Raw (the HTTP server's access
// log, one per request) are buffered (SetBufferBytes): they reach stderr when the buffer fills, at
// least every second, and at exit. Every other line is written at once, together with the buffered
// lines before it (the order is kept). A line written on a thread with a
// RequestContext installed (core/trace.h) also carries its request_id, trace_id and span_id.

#include <chrono>
#include <cstddef>
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
  // Writes an already-formatted JSON line (from the HTTP server's access log); at kInfo it may
  // wait in the buffer.
  void Raw(LogLevel level, std::string_view json_line) const;

  // The process-wide stderr buffer of access log lines: written once it holds `bytes`
  // (log.log_buffer_bytes); 0 writes every line as it is logged (one write system call per line).
  // `flush_every`: how long a line may wait at most (1 s; tests lengthen it).
  static constexpr std::size_t kDefaultBufferBytes = 64 * 1024;
  static void SetBufferBytes(std::size_t bytes,
                             std::chrono::seconds flush_every = std::chrono::seconds(1));
  // Writes out what is buffered.
  static void Flush();

 private:
  LogLevel min_level_;
};

}  // namespace hotpath
