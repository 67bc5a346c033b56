#include "cluster/process_signals.h"

#include <algorithm>
#include <charconv>

#include "ops/alarm_evaluator.h"

namespace hotpath::cluster {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

}  // namespace

Histogram RequestLatency(const std::vector<prometheus::MetricFamily>& families,
                         const std::set<std::string>& excluded) {
  Histogram h;
  for (const auto& family : families) {
    if (family.name != "hotpath_http_request_duration_seconds" || family.type != prometheus::MetricType::Histogram)
      continue;
    for (const auto& series : family.metric) {
      auto route = std::find_if(series.label.begin(), series.label.end(),
                                [](const auto& l) { return l.name == "route"; });
      if (route != series.label.end() && excluded.contains(route->value)) continue;
      for (const auto& b : series.histogram.bucket)
        h.buckets[b.upper_bound] += static_cast<double>(b.cumulative_count);
    }
  }
  return h;
}

std::optional<double> QuantileBetween(const Histogram& before, const Histogram& after, double q) {
  std::map<double, double> window;  // upper bound -> cumulative count of the observations in between
  for (const auto& [bound, count] : after.buckets) {
    auto it = before.buckets.find(bound);
    window[bound] = count - (it == before.buckets.end() ? 0 : it->second);
  }
  if (window.empty() || window.rbegin()->second <= 0) return std::nullopt;
  return ops::HistogramQuantile(q, window);
}

std::optional<double> GaugeValue(const std::vector<prometheus::MetricFamily>& families, std::string_view name) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& series : family.metric) {
      if (!series.label.empty()) continue;
      if (family.type == prometheus::MetricType::Gauge) return series.gauge.value;
      if (family.type == prometheus::MetricType::Untyped) return series.untyped.value;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> CpuTicks(std::string_view stat) {
  // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: fields after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  auto fields = Split(stat.substr(close + 2), ' ');
  // After comm: state is field 3 (index 0 here); utime is field 14 (index 11), stime 15 (index 12).
  if (fields.size() < 13) return std::nullopt;
  std::uint64_t utime = 0, stime = 0;
  auto parse = [](std::string_view s, std::uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (!parse(fields[11], utime) || !parse(fields[12], stime)) return std::nullopt;
  return utime + stime;
}

std::map<std::string, int> CurrentSessions(std::string_view csv, std::string_view backend) {
  std::map<std::string, int> out;
  int scur_col = -1;
  for (auto line : Split(csv, '\n')) {
    if (line.empty()) continue;
    auto cols = Split(line, ',');
    if (line.front() == '#') {
      cols[0] = cols[0].substr(cols[0].find_first_not_of("# "));
      for (std::size_t i = 0; i < cols.size(); ++i)
        if (cols[i] == "scur") scur_col = static_cast<int>(i);
      continue;
    }
    if (scur_col < 0 || cols.size() <= static_cast<std::size_t>(scur_col) || cols[0] != backend) continue;
    if (cols[1] == "FRONTEND" || cols[1] == "BACKEND") continue;
    int v = 0;
    std::from_chars(cols[scur_col].data(), cols[scur_col].data() + cols[scur_col].size(), v);
    out[std::string(cols[1])] = v;
  }
  return out;
}

}  // namespace hotpath::cluster
