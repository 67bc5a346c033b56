#pragma once
// The server's built-in middleware as plain functions (no Beast), so each piece is unit-testable:
// request-target parsing, X-Request-Id policy, stock problem responses and log line formatting.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http.h"

namespace hotpath::net {

// Decodes %XX escapes (and '+' as space when `plus_is_space`, for query strings). A malformed escape
// is kept literally rather than rejected.
[[nodiscard]] std::string PercentDecode(std::string_view text, bool plus_is_space);

// Splits a request target ("/a%20b?x=1&y") into the decoded path ("/a b") and the decoded query
// pairs ([x,1],[y,""]) in order. An absolute-form target ("http://h/p") is reduced to its path.
void ParseTarget(std::string_view target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query);

// A client's X-Request-Id is reused when it is 1-128 characters of [A-Za-z0-9._-].
[[nodiscard]] bool IsValidRequestId(std::string_view id);
// 32 random hex characters.
[[nodiscard]] std::string NewRequestId();

// A problem response whose type is "https://hotpath.dev/problems/<slug>".
[[nodiscard]] Response StockProblem(int status, std::string_view slug, std::string_view title,
                                    std::string_view detail);

// ISO 8601 UTC with milliseconds: "2026-11-25T07:00:00.123Z".
[[nodiscard]] std::string FormatUtc(std::chrono::system_clock::time_point time);

// The access log line: {"time","level","msg":"request","request_id","trace_id","span_id","method",
// "route","path","status","duration_ms","remote"} (trace ids omitted when empty). Never includes
// bodies or headers.
[[nodiscard]] std::string AccessLogLine(const Request& request, int status, double seconds,
                                        std::chrono::system_clock::time_point now);

// A log line for an incident: {"time","level","msg","request_id","trace_id","error"}; request_id and
// trace_id omitted when empty.
[[nodiscard]] std::string IncidentLogLine(std::string_view level, std::string_view msg,
                                          std::string_view request_id, std::string_view error,
                                          std::chrono::system_clock::time_point now,
                                          std::string_view trace_id = {});

}  // namespace hotpath::net

namespace hotpath::net {

// One Server-Sent Event: "id: ..\nevent: ..\ndata: line\n...\n\n". Newlines in id/event are dropped;
// data is split on "\n" (a "\r\n" pair counts as one line break), one data: line per line.
[[nodiscard]] std::string FormatSseEvent(std::string_view id, std::string_view event, std::string_view data);
// An SSE comment (": text\n\n"), one ':' line per line of text.
[[nodiscard]] std::string FormatSseComment(std::string_view text);

}  // namespace hotpath::net
