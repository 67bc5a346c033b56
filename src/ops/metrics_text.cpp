#include "ops/metrics_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

namespace hotpath::ops {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

bool NameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// A metric or label name at the start of `s` (consumed); empty when there is none.
std::string_view TakeName(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && NameChar(s[n], n == 0)) ++n;
  auto name = s.substr(0, n);
  s.remove_prefix(n);
  return name;
}

std::optional<double> ParseValue(std::string_view s) {
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// `{name="value",...}` at the start of `s` (consumed).
std::optional<Labels> TakeLabels(std::string_view& s) {
  Labels labels;
  s.remove_prefix(1);  // '{'
  for (;;) {
    s = TrimLeft(s);
    if (!s.empty() && s.front() == '}') {
      s.remove_prefix(1);
      return labels;
    }
    auto name = TakeName(s);
    s = TrimLeft(s);
    if (name.empty() || s.size() < 2 || s[0] != '=' || s[1] != '"') return std::nullopt;
    s.remove_prefix(2);
    std::string value;
    for (;;) {
      if (s.empty()) return std::nullopt;
      char c = s.front();
      s.remove_prefix(1);
      if (c == '"') break;
      if (c == '\\') {
        if (s.empty()) return std::nullopt;
        char e = s.front();
        s.remove_prefix(1);
        c = e == 'n' ? '\n' : e;  // \\ and \" stand for themselves
      }
      value.push_back(c);
    }
    labels.push_back({std::string(name), std::move(value)});
    s = TrimLeft(s);
    if (!s.empty() && s.front() == ',') s.remove_prefix(1);
  }
}

std::optional<Sample> ParseSample(std::string_view line) {
  Sample out;
  out.name = std::string(TakeName(line));
  if (out.name.empty()) return std::nullopt;
  if (!line.empty() && line.front() == '{') {
    auto labels = TakeLabels(line);
    if (!labels) return std::nullopt;
    out.labels = std::move(*labels);
  }
  line = TrimLeft(line);
  auto space = line.find_first_of(" \t");
  auto value = ParseValue(line.substr(0, space));  // an optional timestamp follows
  if (!value) return std::nullopt;
  out.value = *value;
  return out;
}

std::optional<prometheus::MetricType> ParseType(std::string_view t) {
  if (t == "counter") return prometheus::MetricType::Counter;
  if (t == "gauge") return prometheus::MetricType::Gauge;
  if (t == "histogram") return prometheus::MetricType::Histogram;
  if (t == "summary") return prometheus::MetricType::Summary;
  if (t == "untyped") return prometheus::MetricType::Untyped;
  return std::nullopt;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class Builder {
 public:
  prometheus::MetricFamily& Family(const std::string& name, prometheus::MetricType type) {
    auto [it, added] = index_.try_emplace(name, families_.size());
    if (added) {
      families_.emplace_back();
      families_.back().name = name;
      families_.back().type = type;
    }
    return families_[it->second];
  }
  [[nodiscard]] const prometheus::MetricFamily* Find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &families_[it->second];
  }
  // The series of a histogram family with these labels (`le` left out).
  prometheus::ClientMetric& Series(prometheus::MetricFamily& family, Labels labels) {
    std::erase_if(labels, [](const auto& l) { return l.name == "le"; });
    std::sort(labels.begin(), labels.end());
    auto& by_labels = series_[family.name];
    auto [it, added] = by_labels.try_emplace(labels, family.metric.size());
    if (added) {
      family.metric.emplace_back();
      family.metric.back().label = std::move(labels);
    }
    return family.metric[it->second];
  }
  void Help(const std::string& name, std::string text) { help_[name] = std::move(text); }
  std::vector<prometheus::MetricFamily> Take() {
    for (auto& f : families_) {
      if (auto it = help_.find(f.name); it != help_.end()) f.help = it->second;
      for (auto& m : f.metric) {
        std::sort(m.histogram.bucket.begin(), m.histogram.bucket.end(),
                  [](const auto& a, const auto& b) { return a.upper_bound < b.upper_bound; });
      }
    }
    return std::move(families_);
  }

 private:
  std::vector<prometheus::MetricFamily> families_;
  std::unordered_map<std::string, std::size_t> index_;
  std::unordered_map<std::string, std::map<Labels, std::size_t>> series_;
  std::unordered_map<std::string, std::string> help_;  // # HELP comes before # TYPE
};

std::uint64_t Count(double v) {
  return v > 0 && std::isfinite(v) ? static_cast<std::uint64_t>(std::llround(v)) : 0;
}

}  // namespace

Result<std::vector<prometheus::MetricFamily>> ParseMetricsText(std::string_view text) {
  Builder b;
  std::unordered_map<std::string, prometheus::MetricType> typed;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = TrimLeft(line);
    if (line.empty()) continue;
    auto bad = [&](std::string_view why) {
      return Error::Invalid(fmt::format("metrics text, line {}: {}: {}", number, why, line.substr(0, 120)));
    };
    if (line.front() == '#') {
      std::string_view rest = TrimLeft(line.substr(1));
      const bool type = rest.starts_with("TYPE ");
      const bool help = rest.starts_with("HELP ");
      if (!type && !help) continue;  // a comment
      rest = TrimLeft(rest.substr(5));
      const std::string name(TakeName(rest));
      if (name.empty()) return bad("no metric name");
      rest = TrimLeft(rest);
      if (type) {
        auto t = ParseType(rest);
        if (!t) return bad("unknown type");
        typed[name] = *t;
        if (*t != prometheus::MetricType::Summary) b.Family(name, *t);
      } else {
        b.Help(name, std::string(rest));
      }
      continue;
    }
    auto sample = ParseSample(line);
    if (!sample) return bad("malformed sample");
    // Which family: the sample's own name, or a histogram's (or summary's) _bucket/_sum/_count.
    std::string base;
    std::string_view part;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!EndsWith(sample->name, suffix)) continue;
      auto candidate = sample->name.substr(0, sample->name.size() - suffix.size());
      auto it = typed.find(candidate);
      if (it != typed.end() && (it->second == prometheus::MetricType::Histogram ||
                                it->second == prometheus::MetricType::Summary)) {
        base = candidate;
        part = suffix;
      }
    }
    if (base.empty()) {
      auto it = typed.find(sample->name);
      if (it != typed.end() && it->second == prometheus::MetricType::Summary) continue;  // a quantile
      auto type = it == typed.end() ? prometheus::MetricType::Untyped : it->second;
      if (type == prometheus::MetricType::Histogram)
        return bad("a histogram sample without _bucket, _sum or _count");
      auto& family = b.Family(sample->name, type);
      prometheus::ClientMetric m;
      m.label = std::move(sample->labels);
      std::sort(m.label.begin(), m.label.end());
      if (type == prometheus::MetricType::Counter)
        m.counter.value = sample->value;
      else if (type == prometheus::MetricType::Gauge)
        m.gauge.value = sample->value;
      else
        m.untyped.value = sample->value;
      family.metric.push_back(std::move(m));
      continue;
    }
    if (typed[base] == prometheus::MetricType::Summary) continue;  // hotpath exports none; not summed
    auto& family = b.Family(base, prometheus::MetricType::Histogram);
    std::optional<double> le;
    if (part == "_bucket") {
      auto it = std::find_if(sample->labels.begin(), sample->labels.end(),
                             [](const auto& l) { return l.name == "le"; });
      if (it == sample->labels.end()) return bad("a histogram bucket without le");
      le = ParseValue(it->value);
      if (!le) return bad("a bucket bound that is not a number");
    }
    auto& series = b.Series(family, std::move(sample->labels));
    if (le)
      series.histogram.bucket.push_back({Count(sample->value), *le});
    else if (part == "_sum")
      series.histogram.sample_sum = sample->value;
    else
      series.histogram.sample_count = Count(sample->value);
  }
  return b.Take();
}

}  // namespace hotpath::ops
