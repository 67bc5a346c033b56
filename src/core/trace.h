#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", and the request context of the current
// thread (request id, trace id, span id) so that every log line and every event written while
// handling a request carries them. The HTTP server installs a RequestScope around each handler; the
// database writer re-installs the caller's scope around its write units, so events appended in a
// transaction are stamped with the trace of the request that caused them.

#include <optional>
#include <string>
#include <string_view>

namespace hotpath {

struct TraceParent {
  std::string trace_id;   // 32 lower-case hex characters, not all zero
  std::string parent_id;  // 16 lower-case hex characters, not all zero
  std::string flags = "01";
  // "00-<trace_id>-<parent_id>-<flags>"
  [[nodiscard]] std::string Format() const;
};

// Parses a traceparent header. Version 00 must have exactly four fields; a higher version is read
// by its first four fields (forward compatibility, as the specification asks); version ff, upper-case
// hex, all-zero ids or a wrong length are refused (nullopt: the caller starts a new trace).
[[nodiscard]] std::optional<TraceParent> ParseTraceParent(std::string_view header);
[[nodiscard]] std::string NewTraceId();  // 32 hex characters from the CSPRNG
[[nodiscard]] std::string NewSpanId();   // 16 hex characters from the CSPRNG

// What a thread is working on. Empty fields when nothing is installed.
struct RequestContext {
  std::string request_id;
  std::string trace_id;
  std::string span_id;  // this process's span for the request
  std::string flags = "01";
  [[nodiscard]] bool empty() const { return trace_id.empty() && request_id.empty(); }
  // The traceparent to hand downstream (events, outgoing calls): this span is their parent.
  // Empty when there is no trace.
  [[nodiscard]] std::string TraceParentHeader() const;
};

// A span for an incoming request: continues the caller's trace when `traceparent` parses, else
// starts a new one.
[[nodiscard]] RequestContext ContextForRequest(std::string request_id, std::optional<std::string_view> traceparent);

// The current thread's context (an empty one if none is installed).
[[nodiscard]] const RequestContext& CurrentRequestContext();

// Installs a context on this thread for the scope's lifetime, restoring the previous one after.
class RequestScope {
 public:
  explicit RequestScope(RequestContext context);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  RequestContext previous_;
};

}  // namespace hotpath
