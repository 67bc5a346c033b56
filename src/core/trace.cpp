#include "core/trace.h"

#include <array>

#include "core/clock.h"

namespace hotpath {
namespace {

thread_local RequestContext current_context;

bool IsLowerHex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

std::string RandomHex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<unsigned char, 16> raw{};
  std::string out;
  do {
    PooledRandomBytes(raw.data(), bytes);  // a request's ids: no system call per request
    out.clear();
    for (std::size_t i = 0; i < bytes; ++i) {
      out.push_back(kHex[raw[i] >> 4]);
      out.push_back(kHex[raw[i] & 0xF]);
    }
  } while (AllZero(out));  // all-zero ids are invalid
  return out;
}

}  // namespace

std::string TraceParent::Format() const { return "00-" + trace_id + "-" + parent_id + "-" + flags; }

std::optional<TraceParent> ParseTraceParent(std::string_view header) {
  // Optional whitespace around the value is not part of it.
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.size() < 55) return std::nullopt;
  const std::string_view version = header.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  TraceParent out;
  out.trace_id = std::string(header.substr(3, 32));
  out.parent_id = std::string(header.substr(36, 16));
  out.flags = std::string(header.substr(53, 2));
  if (!IsLowerHex(out.trace_id) || !IsLowerHex(out.parent_id) || !IsLowerHex(out.flags)) return std::nullopt;
  if (AllZero(out.trace_id) || AllZero(out.parent_id)) return std::nullopt;
  return out;
}

std::string NewTraceId() { return RandomHex(16); }
std::string NewSpanId() { return RandomHex(8); }

std::string RequestContext::TraceParentHeader() const {
  if (trace_id.empty() || span_id.empty()) return {};
  return TraceParent{trace_id, span_id, flags}.Format();
}

RequestContext ContextForRequest(std::string request_id, std::optional<std::string_view> traceparent) {
  RequestContext context;
  context.request_id = std::move(request_id);
  std::optional<TraceParent> parent;
  if (traceparent) parent = ParseTraceParent(*traceparent);
  if (parent) {
    context.trace_id = std::move(parent->trace_id);
    // Only the sampled bit is defined; other bits are not propagated (the specification's advice).
    context.flags = (std::stoi(parent->flags, nullptr, 16) & 1) ? "01" : "00";
  } else {
    context.trace_id = NewTraceId();
  }
  context.span_id = NewSpanId();
  return context;
}

const RequestContext& CurrentRequestContext() { return current_context; }

RequestScope::RequestScope(RequestContext context) : previous_(std::move(current_context)) {
  current_context = std::move(context);
}

RequestScope::~RequestScope() { current_context = std::move(previous_); }

}  // namespace hotpath
