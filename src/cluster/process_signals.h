#pragma once
// Reading the autoscaler's signals, pure parts: a latency histogram and the in-flight gauge out of a
// process's metric families (its /metrics read by ops::ParseMetricsText, the parser the cluster's
// alarms use), the histogram's quantiles between two scrapes, the CPU use of a process out of
// /proc/PID/stat, and HAProxy's `show stat` CSV. Unit-tested without processes.

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hotpath::cluster {

// Cumulative bucket counts by upper bound (+Inf as infinity), summed over every route of
// hotpath_http_request_duration_seconds except `excluded_routes` (streams, whose duration is the
// session's, not a request's); series without a route label count too.
struct Histogram {
  std::map<double, double> buckets;
};
Histogram RequestLatency(const std::vector<prometheus::MetricFamily>& families,
                         const std::set<std::string>& excluded_routes);

// The q-quantile (0..1) of the observations between `before` and `after` (linear interpolation
// inside the bucket, as Prometheus' histogram_quantile: ops::HistogramQuantile); none when nothing
// was observed. A bound missing from `before` counts from zero.
std::optional<double> QuantileBetween(const Histogram& before, const Histogram& after, double q);

// The value of the unlabelled series of gauge (or untyped) family `name`, such as
// hotpath_http_requests_in_flight; none when the family or that series is absent.
std::optional<double> GaugeValue(const std::vector<prometheus::MetricFamily>& families, std::string_view name);

// utime + stime in clock ticks from the content of /proc/PID/stat; none if malformed.
std::optional<std::uint64_t> CpuTicks(std::string_view proc_stat);

// Current sessions (scur) per server of `backend` from `show stat` CSV output.
std::map<std::string, int> CurrentSessions(std::string_view show_stat_csv, std::string_view backend);

}  // namespace hotpath::cluster
