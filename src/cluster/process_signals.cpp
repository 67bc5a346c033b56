#include "cluster/process_signals.h"

#include <charconv>
#include <cstdlib>
#include <limits>
#include <vector>

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

std::optional<std::string> Label(std::string_view labels, std::string_view name) {
  std::string key = std::string(name) + "=\"";
  auto pos = labels.find(key);
  while (pos != std::string_view::npos && pos > 0 && labels[pos - 1] != '{' && labels[pos - 1] != ',')
    pos = labels.find(key, pos + 1);
  if (pos == std::string_view::npos) return std::nullopt;
  auto start = pos + key.size();
  auto end = labels.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(labels.substr(start, end - start));
}

}  // namespace

Histogram ParseDurationHistogram(std::string_view text, const std::set<std::string>& excluded) {
  constexpr std::string_view kName = "hotpath_http_request_duration_seconds_bucket{";
  Histogram h;
  for (auto line : Split(text, '\n')) {
    if (line.rfind(kName, 0) != 0) continue;
    auto close = line.find('}');
    if (close == std::string_view::npos) continue;
    auto labels = line.substr(kName.size() - 1, close - kName.size() + 2);
    auto route = Label(labels, "route");
    auto le = Label(labels, "le");
    if (!le || (route && excluded.contains(*route))) continue;
    double bound = *le == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(le->c_str(), nullptr);
    std::string value(line.substr(close + 1));
    char* end = nullptr;
    double count = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    h.buckets[bound] += count;
  }
  return h;
}

std::optional<double> QuantileBetween(const Histogram& before, const Histogram& after, double q) {
  std::vector<std::pair<double, double>> delta;  // (upper bound, cumulative count in the window)
  for (const auto& [bound, count] : after.buckets) {
    auto it = before.buckets.find(bound);
    delta.emplace_back(bound, count - (it == before.buckets.end() ? 0 : it->second));
  }
  if (delta.empty() || delta.back().second <= 0) return std::nullopt;
  double rank = q * delta.back().second;
  double lower = 0, below = 0;
  for (const auto& [bound, cumulative] : delta) {
    if (cumulative >= rank) {
      if (bound == std::numeric_limits<double>::infinity()) return lower;  // beyond the last finite bucket
      double in_bucket = cumulative - below;
      if (in_bucket <= 0) return bound;
      return lower + (bound - lower) * (rank - below) / in_bucket;
    }
    lower = bound;
    below = cumulative;
  }
  return lower;
}

std::optional<double> SampleValue(std::string_view text, std::string_view name) {
  for (auto line : Split(text, '\n')) {
    if (line.size() <= name.size() || line.rfind(name, 0) != 0 || line[name.size()] != ' ') continue;
    std::string value(line.substr(name.size() + 1));
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str()) return v;
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
