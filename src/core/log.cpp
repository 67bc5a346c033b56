#include "core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "core/json.h"
#include "core/trace.h"

namespace hotpath {
namespace {

// Lines go to stderr (fd 2) through a buffer. Only access log lines (info lines of the HTTP server,
// passed at spdlog's `trace` level) wait in it: they are written when it holds `limit` bytes or more,
// at least every second (flush_every) and at exit. Any other line is written at once, together with
// the access lines before it, so the order is kept and application events are never delayed. The
// payload is the whole line (pattern "%v"), so no spdlog formatting runs. limit 0: no buffering.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ~StderrSink() override {
    std::lock_guard lock(mutex_);
    WriteOut();
  }
  void SetLimit(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    limit_ = bytes;
    if (buffer_.size() >= limit_) WriteOut();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    buffer_.append(msg.payload.data(), msg.payload.size());
    buffer_.push_back('\n');
    if (buffer_.size() >= limit_ || msg.level != spdlog::level::trace) WriteOut();
  }
  void flush_() override { WriteOut(); }

 private:
  void WriteOut() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(2, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr closed or broken: drop the lines rather than block the server
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    if (buffer_.capacity() > 4 * std::max<std::size_t>(limit_, 4096)) buffer_.shrink_to_fit();
  }

  std::string buffer_;
  std::size_t limit_ = Logger::kDefaultBufferBytes;
};

std::shared_ptr<StderrSink> TheSink() {
  static auto sink = std::make_shared<StderrSink>();
  return sink;
}

std::shared_ptr<spdlog::logger> Sink() {
  static auto logger = [] {
    auto l = std::make_shared<spdlog::logger>("hotpath-json", TheSink());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    spdlog::flush_every(std::chrono::seconds(1));  // buffered access log lines reach stderr within ~1 s
    spdlog::register_logger(l);
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
  Sink()->info(line);  // written at once (only access log lines wait in the buffer)
}

void Logger::Raw(LogLevel level, std::string_view json_line) const {
  if (level < min_level_) return;
  // Info lines of the access log may wait in the buffer; a warn/error line is written at once.
  Sink()->log(level >= LogLevel::kWarn ? spdlog::level::warn : spdlog::level::trace, json_line);
}

void Logger::SetBufferBytes(std::size_t bytes, std::chrono::seconds flush_every) {
  Sink();
  TheSink()->SetLimit(bytes);
  static std::mutex mutex;
  static std::chrono::seconds period{1};
  std::lock_guard lock(mutex);
  if (flush_every != period) {
    period = flush_every;
    spdlog::flush_every(flush_every);
  }
}

void Logger::Flush() { Sink()->flush(); }

}  // namespace hotpath
