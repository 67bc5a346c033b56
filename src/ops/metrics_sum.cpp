#include "ops/metrics_sum.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace hotpath::ops {
namespace {

using prometheus::MetricType;
using Values = MetricsSum::Values;

bool Summed(MetricType t) { return t == MetricType::Counter || t == MetricType::Histogram; }
bool Gauge(MetricType t) { return t == MetricType::Gauge || t == MetricType::Untyped; }

Values Read(MetricType type, const prometheus::ClientMetric& m) {
  Values out;
  if (type == MetricType::Counter) {
    out.v = {m.counter.value};
    return out;
  }
  out.v = {static_cast<double>(m.histogram.sample_count), m.histogram.sample_sum};
  for (const auto& b : m.histogram.bucket) {
    out.bounds.push_back(b.upper_bound);
    out.v.push_back(static_cast<double>(b.cumulative_count));
  }
  return out;
}

void Write(MetricType type, const Values& in, prometheus::ClientMetric& m) {
  auto count = [](double v) {
    return v > 0 ? static_cast<std::uint64_t>(std::llround(v)) : std::uint64_t{0};
  };
  if (type == MetricType::Counter) {
    m.counter.value = in.v.empty() ? 0 : in.v[0];
    return;
  }
  m.histogram.sample_count = count(in.v[0]);
  m.histogram.sample_sum = in.v[1];
  m.histogram.bucket.clear();
  for (std::size_t i = 0; i < in.bounds.size(); ++i)
    m.histogram.bucket.push_back({count(in.v[i + 2]), in.bounds[i]});
}

// A decrease means the process counted from zero again (a histogram's sum may go down legitimately
// only with negative observations, which hotpath never makes: it is not looked at).
bool IsReset(const Values& last, const Values& now) {
  if (now.v.empty() || last.v.empty()) return false;
  if (now.v[0] < last.v[0]) return true;
  for (std::size_t i = 2; i < now.v.size() && i < last.v.size(); ++i) {
    if (now.v[i] < last.v[i]) return true;
  }
  return false;
}

// The cumulative count of a histogram at `bound`: that of its largest bound at or below it.
double CumulativeAt(const Values& h, double bound) {
  double out = 0;
  for (std::size_t i = 0; i < h.bounds.size() && h.bounds[i] <= bound; ++i) out = h.v[i + 2];
  return out;
}

void AddInto(Values& acc, const Values& x) {
  if (x.v.empty()) return;
  if (acc.v.empty()) {
    acc = x;
    return;
  }
  if (acc.bounds == x.bounds && acc.v.size() == x.v.size()) {
    for (std::size_t i = 0; i < acc.v.size(); ++i) acc.v[i] += x.v[i];
    return;
  }
  // Histograms with different buckets (not hotpath's case: one binary, one layout): on the union
  // of the bounds, each side contributing its count at its nearest bound below.
  Values merged;
  merged.bounds = acc.bounds;
  merged.bounds.insert(merged.bounds.end(), x.bounds.begin(), x.bounds.end());
  std::sort(merged.bounds.begin(), merged.bounds.end());
  merged.bounds.erase(std::unique(merged.bounds.begin(), merged.bounds.end()), merged.bounds.end());
  merged.v = {acc.v[0] + x.v[0], acc.v[1] + x.v[1]};
  for (double b : merged.bounds) merged.v.push_back(CumulativeAt(acc, b) + CumulativeAt(x, b));
  acc = std::move(merged);
}

Values Adjusted(const Values& last, const Values& offset) {
  Values out = last;
  if (offset.bounds == last.bounds && offset.v.size() == last.v.size()) {
    for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] += offset.v[i];
  }
  return out;
}

Values Negated(Values v) {
  for (double& x : v.v) x = -x;
  return v;
}

}  // namespace

GaugeSum GaugeSumOf(std::string_view family) {
  // Load that each process carries on its own.
  if (family == "hotpath_http_requests_in_flight" || family == "hotpath_stream_connections" ||
      family == "hotpath_tracking_watchers")
    return GaugeSum::kSum;
  if (family == "hotpath_cache_up") return GaugeSum::kMin;
  return GaugeSum::kThisProcess;
}

void MetricsSum::Retire(Process& p) {
  for (auto& [key, t] : p.series) AddInto(retired_[key], Adjusted(t.last, t.offset));
  p.series.clear();
  p.gauges.clear();
}

void MetricsSum::Update(const std::string& process, const std::string& instance,
                        const std::vector<prometheus::MetricFamily>& families, bool from_zero) {
  auto [it, added] = processes_.try_emplace(process);
  Process& p = it->second;
  const bool new_instance = added || p.instance != instance;
  if (new_instance && !added) Retire(p);
  p.instance = instance;
  const bool baseline = new_instance && !from_zero;
  p.up = true;
  p.gauges.clear();
  for (const auto& f : families) {
    auto known = families_.find(f.name);
    if (known != families_.end() && known->second.first != f.type) continue;  // a type clash: left out
    if (known == families_.end()) families_.emplace(f.name, std::make_pair(f.type, f.help));
    for (const auto& m : f.metric) {
      Key key{f.name, m.label};
      std::sort(key.second.begin(), key.second.end());
      if (Gauge(f.type)) {
        p.gauges[key] = f.type == MetricType::Gauge ? m.gauge.value : m.untyped.value;
        continue;
      }
      if (!Summed(f.type)) continue;
      Values now = Read(f.type, m);
      auto [s, fresh] = p.series.try_emplace(std::move(key));
      Tracked& t = s->second;
      if (fresh) {
        // A series that appears in a running instance was created since: counted from zero.
        t.offset = baseline ? Negated(now) : Values{now.bounds, std::vector<double>(now.v.size(), 0.0)};
      } else if (t.last.bounds != now.bounds) {
        AddInto(retired_[s->first], Adjusted(t.last, t.offset));  // another layout: a new series
        t.offset = Values{now.bounds, std::vector<double>(now.v.size(), 0.0)};
      } else if (IsReset(t.last, now)) {
        for (std::size_t i = 0; i < t.offset.v.size(); ++i) t.offset.v[i] += t.last.v[i];
      }
      t.last = std::move(now);
    }
  }
}

void MetricsSum::MarkDown(const std::string& process) {
  auto it = processes_.find(process);
  if (it == processes_.end()) return;
  it->second.up = false;
  it->second.gauges.clear();
}

void MetricsSum::Remove(const std::string& process) {
  auto it = processes_.find(process);
  if (it == processes_.end()) return;
  Retire(it->second);
  processes_.erase(it);
}

std::vector<MetricsSum::PeerState> MetricsSum::Peers() const {
  std::vector<PeerState> out;
  for (const auto& [name, p] : processes_) out.push_back({name, p.instance, p.up});
  return out;
}

std::vector<prometheus::MetricFamily> MetricsSum::Sum(std::vector<prometheus::MetricFamily> own) const {
  std::unordered_map<std::string, std::size_t> family_index;
  std::unordered_map<std::string, std::map<Labels, std::size_t>> series_index;
  for (std::size_t i = 0; i < own.size(); ++i) {
    family_index.emplace(own[i].name, i);
    auto& by_labels = series_index[own[i].name];
    for (std::size_t j = 0; j < own[i].metric.size(); ++j) {
      Labels labels = own[i].metric[j].label;
      std::sort(labels.begin(), labels.end());
      by_labels.emplace(std::move(labels), j);
    }
  }
  // The series `key` in the output (created, empty, when this process has none); null when the
  // family's type here differs from the other processes'.
  auto series = [&](const Key& key,
                    bool& created) -> std::pair<prometheus::MetricFamily*, prometheus::ClientMetric*> {
    const auto& [type, help] = families_.at(key.first);
    auto [fi, new_family] = family_index.try_emplace(key.first, own.size());
    if (new_family) {
      own.emplace_back();
      own.back().name = key.first;
      own.back().help = help;
      own.back().type = type;
    }
    auto& family = own[fi->second];
    if (family.type != type) return {nullptr, nullptr};
    auto [si, new_series] = series_index[key.first].try_emplace(key.second, family.metric.size());
    if (new_series) {
      family.metric.emplace_back();
      family.metric.back().label = key.second;
    }
    created = new_series;
    return {&family, &family.metric[si->second]};
  };
  auto add = [&](const Key& key, const Values& values) {
    bool created = false;
    auto [family, metric] = series(key, created);
    if (!metric) return;
    Values total = created ? Values{} : Read(family->type, *metric);
    AddInto(total, values);
    Write(family->type, total, *metric);
  };
  for (const auto& [name, p] : processes_) {
    for (const auto& [key, t] : p.series) add(key, Adjusted(t.last, t.offset));
  }
  for (const auto& [key, values] : retired_) add(key, values);
  for (const auto& [name, p] : processes_) {
    if (!p.up) continue;
    for (const auto& [key, value] : p.gauges) {
      const GaugeSum how = GaugeSumOf(key.first);
      if (how == GaugeSum::kThisProcess) continue;
      bool created = false;
      auto [family, metric] = series(key, created);
      if (!metric) continue;
      double& v = family->type == MetricType::Gauge ? metric->gauge.value : metric->untyped.value;
      v = created ? value : how == GaugeSum::kSum ? v + value : std::min(v, value);
    }
  }
  return own;
}

}  // namespace hotpath::ops
