#pragma once
// The autoscaler's per-process signals as the primary publishes them for the controller, so that each
// serving process's /metrics is scraped once per period (by the primary, cluster/peer_metrics.h) and
// not a second time by the controller: RUN_DIR/load.json, replaced atomically after each of the
// primary's rounds (about once a second).
//   {"at_ms": 1700000000000, "processes": [
//     {"slot": "s0", "pid": 123, "in_flight": 2, "latency": [[0.0005, 0], ..., [2.5, 97], ["+Inf", 100]]}, ...]}
// at_ms: wall clock of the round (the controller ignores a file that has stopped changing).
// in_flight: the process's hotpath_http_requests_in_flight (streams excluded).
// latency: cumulative counts per bound of hotpath_http_request_duration_seconds, summed over every
//   route but the streams (kStreamRoutes: their duration is a session's, not a request's).
// Only processes whose last scrape worked are listed (the primary itself always is). CPU is not
// here: the controller reads it from /proc.

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/process_signals.h"
#include "core/result.h"

namespace hotpath::cluster {

// Streams last as long as their client: their duration is not a request's latency.
extern const std::set<std::string> kStreamRoutes;

struct ProcessLoad {
  std::string slot;
  pid_t pid = 0;
  double in_flight = 0;
  Histogram latency;
};

// A process's load out of its metric families (its /metrics read back, or its own registry).
ProcessLoad LoadOf(const std::vector<prometheus::MetricFamily>& families);

struct LoadReport {
  std::int64_t at_ms = 0;
  std::vector<ProcessLoad> processes;
};

std::string LoadReportToJson(const LoadReport& report);
Result<LoadReport> ParseLoadReport(std::string_view json);

}  // namespace hotpath::cluster
