#pragma once
// Reading the autoscaler's signals, pure parts: a latency histogram out of a process's Prometheus
// text (/metrics), its quantiles between two scrapes, the CPU use of a process out of
// /proc/PID/stat, and HAProxy's `show stat` CSV. Unit-tested without processes.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace hotpath::cluster {

// Cumulative bucket counts by upper bound (+Inf as infinity), summed over every route of
// hotpath_http_request_duration_seconds except `excluded_routes` (streams, whose duration is the
// session's, not a request's).
struct Histogram {
  std::map<double, double> buckets;
};
Histogram ParseDurationHistogram(std::string_view metrics_text, const std::set<std::string>& excluded_routes);

// The q-quantile (0..1) of the observations between `before` and `after` (linear interpolation
// inside the bucket, as Prometheus' histogram_quantile); none when nothing was observed.
std::optional<double> QuantileBetween(const Histogram& before, const Histogram& after, double q);

// The value of an unlabelled sample `name` (a gauge such as hotpath_http_requests_in_flight).
std::optional<double> SampleValue(std::string_view metrics_text, std::string_view name);

// utime + stime in clock ticks from the content of /proc/PID/stat; none if malformed.
std::optional<std::uint64_t> CpuTicks(std::string_view proc_stat);

// Current sessions (scur) per server of `backend` from `show stat` CSV output.
std::map<std::string, int> CurrentSessions(std::string_view show_stat_csv, std::string_view backend);

}  // namespace hotpath::cluster
