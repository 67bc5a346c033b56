#include "ops/alarm_evaluator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/json.h"

namespace hotpath::ops {

std::string_view AlarmStateName(AlarmState s) {
  switch (s) {
    case AlarmState::kOk: return "OK";
    case AlarmState::kAlarm: return "ALARM";
    case AlarmState::kInsufficientData: return "INSUFFICIENT_DATA";
  }
  return "?";
}

std::optional<AlarmState> ParseAlarmState(std::string_view s) {
  for (auto st : {AlarmState::kOk, AlarmState::kAlarm, AlarmState::kInsufficientData}) {
    if (AlarmStateName(st) == s) return st;
  }
  return std::nullopt;
}

namespace {

bool Selected(const prometheus::ClientMetric& m, const AlarmDefinition& alarm) {
  for (const auto& matcher : alarm.labels) {
    auto it = std::find_if(m.label.begin(), m.label.end(), [&](const auto& l) { return l.name == matcher.name; });
    const std::string actual = it == m.label.end() ? std::string() : it->value;
    if (!matcher.Matches(actual)) return false;
  }
  return true;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{:.6g}", v);
}

}  // namespace

double HistogramQuantile(double q, const std::map<double, double>& cumulative) {
  const double total = cumulative.empty() ? 0 : cumulative.rbegin()->second;
  const double rank = q * total;
  double lower = 0;
  double below = 0;
  bool first = true;
  for (const auto& [bound, cum] : cumulative) {
    if (cum >= rank && cum > below) {
      if (std::isinf(bound)) return first ? 0 : lower;  // the +Inf bucket: the largest finite bound
      if (first && bound <= 0) return bound;
      return lower + (bound - lower) * (rank - below) / (cum - below);
    }
    lower = bound;
    below = cum;
    first = false;
  }
  return lower;
}

namespace {

double SamplePercentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  if (rank == 0) rank = 1;
  return values[rank - 1];
}

}  // namespace

Reading ReadMetric(const std::vector<prometheus::MetricFamily>& families, const AlarmDefinition& alarm) {
  Reading r;
  auto family = std::find_if(families.begin(), families.end(),
                             [&](const prometheus::MetricFamily& f) { return f.name == alarm.metric; });
  if (family == families.end()) return r;
  switch (family->type) {
    case prometheus::MetricType::Counter: r.kind = Reading::Kind::kCounter; break;
    case prometheus::MetricType::Gauge:
    case prometheus::MetricType::Untyped: r.kind = Reading::Kind::kGauge; break;
    case prometheus::MetricType::Histogram: r.kind = Reading::Kind::kHistogram; break;
    default: return r;  // summaries are not used by hotpath
  }
  for (const auto& m : family->metric) {
    if (!Selected(m, alarm)) continue;
    switch (r.kind) {
      case Reading::Kind::kCounter: r.value += m.counter.value; break;
      case Reading::Kind::kGauge:
        r.value += family->type == prometheus::MetricType::Gauge ? m.gauge.value : m.untyped.value;
        r.present = true;
        break;
      case Reading::Kind::kHistogram:
        r.sum += m.histogram.sample_sum;
        r.count += static_cast<double>(m.histogram.sample_count);
        for (const auto& b : m.histogram.bucket) r.buckets[b.upper_bound] += static_cast<double>(b.cumulative_count);
        break;
      case Reading::Kind::kAbsent: break;
    }
  }
  return r;
}

std::string StatisticMismatch(Statistic statistic, Reading::Kind kind, const std::string& metric) {
  if (kind == Reading::Kind::kCounter && statistic != Statistic::kSum && statistic != Statistic::kRate)
    return fmt::format("statistic {} does not apply to counter {} (use sum or rate)", StatisticName(statistic), metric);
  if (kind == Reading::Kind::kGauge && statistic == Statistic::kRate)
    return fmt::format("statistic rate does not apply to gauge {} (use sum, average or a percentile)", metric);
  return {};
}

Millis LatestPeriodEnd(const AlarmDefinition& alarm, Millis now) {
  const Millis p = static_cast<Millis>(alarm.period_s) * 1000;
  return now - (((now % p) + p) % p);
}

void AlarmSeries::Add(Millis at, Reading reading) {
  if (!readings_.empty() && at < readings_.back().first) return;  // the clock went back: keep order
  readings_.emplace_back(at, std::move(reading));
}

void AlarmSeries::Trim(const AlarmDefinition& alarm, Millis now) {
  const Millis p = static_cast<Millis>(alarm.period_s) * 1000;
  const Millis oldest_start = LatestPeriodEnd(alarm, now) - p * (alarm.evaluation_periods + 1);
  // Keep the newest reading at or before the oldest start (the base of the oldest period).
  while (readings_.size() >= 2 && readings_[1].first <= oldest_start) readings_.pop_front();
}

Datapoint AlarmSeries::At(const AlarmDefinition& alarm, Millis end) const {
  const Millis start = end - static_cast<Millis>(alarm.period_s) * 1000;
  const double period_s = alarm.period_s;
  Datapoint dp{end, std::nullopt};
  // Readings in (start, end], and the last one at or before start.
  const std::pair<Millis, Reading>* base = nullptr;
  const std::pair<Millis, Reading>* last = nullptr;
  std::vector<double> gauge_values;
  for (const auto& entry : readings_) {
    if (entry.first <= start) base = &entry;
    if (entry.first <= end) last = &entry;
    if (entry.first > start && entry.first <= end && entry.second.kind == Reading::Kind::kGauge && entry.second.present)
      gauge_values.push_back(entry.second.value);
  }
  if (!last) return dp;
  const Reading& now = last->second;
  if (!StatisticMismatch(alarm.statistic, now.kind, alarm.metric).empty()) return dp;
  if (now.kind == Reading::Kind::kGauge) {
    if (gauge_values.empty()) return dp;
    double sum = 0;
    for (double v : gauge_values) sum += v;
    if (alarm.statistic == Statistic::kSum) dp.value = sum;
    else if (alarm.statistic == Statistic::kAverage) dp.value = sum / static_cast<double>(gauge_values.size());
    else dp.value = SamplePercentile(gauge_values, *Quantile(alarm.statistic));
    return dp;
  }
  if (!base || base == last || base->second.kind != now.kind) return dp;
  const Reading& then = base->second;
  if (now.kind == Reading::Kind::kCounter) {
    double increase = now.value >= then.value ? now.value - then.value : now.value;  // reset: counted from 0
    dp.value = alarm.statistic == Statistic::kSum ? increase : increase / period_s;
    return dp;
  }
  if (now.kind != Reading::Kind::kHistogram) return dp;
  const bool reset = now.count < then.count;
  const double count = reset ? now.count : now.count - then.count;
  const double sum = reset ? now.sum : now.sum - then.sum;
  switch (alarm.statistic) {
    case Statistic::kSum: dp.value = sum; return dp;
    case Statistic::kRate: dp.value = count / period_s; return dp;
    case Statistic::kAverage:
      if (count > 0) dp.value = sum / count;
      return dp;
    default: break;
  }
  if (count <= 0) return dp;
  std::map<double, double> delta;
  for (const auto& [bound, cum] : now.buckets) {
    auto it = then.buckets.find(bound);
    delta[bound] = reset || it == then.buckets.end() ? cum : cum - it->second;
  }
  dp.value = HistogramQuantile(*Quantile(alarm.statistic), delta);
  return dp;
}

std::vector<Datapoint> AlarmSeries::Window(const AlarmDefinition& alarm, Millis now) const {
  std::vector<Datapoint> out;
  const Millis p = static_cast<Millis>(alarm.period_s) * 1000;
  Millis end = LatestPeriodEnd(alarm, now);
  for (int i = 0; i < alarm.evaluation_periods; ++i, end -= p) out.push_back(At(alarm, end));
  return out;
}

Decision Decide(const AlarmDefinition& alarm, const std::vector<Datapoint>& datapoints, const std::string& note) {
  Decision d;
  d.datapoints = datapoints;
  int present = 0;
  int breaching = 0;
  std::string breaching_list;
  std::string calm_list;
  for (const auto& dp : datapoints) {
    if (!dp.value) continue;
    ++present;
    std::string item = fmt::format("{} ({})", Number(*dp.value), json::FormatTime(dp.end));
    if (alarm.Breaches(*dp.value)) {
      ++breaching;
      breaching_list += (breaching_list.empty() ? "" : ", ") + item;
    } else {
      calm_list += (calm_list.empty() ? "" : ", ") + item;
    }
  }
  const int n = static_cast<int>(datapoints.size());
  const std::string verb = std::string(ComparisonSymbol(alarm.comparison)) == ">"    ? "greater than"
                           : std::string(ComparisonSymbol(alarm.comparison)) == ">=" ? "greater than or equal to"
                           : std::string(ComparisonSymbol(alarm.comparison)) == "<"  ? "less than"
                                                                                      : "less than or equal to";
  if (present == 0) {
    d.state = AlarmState::kInsufficientData;
    d.reason = fmt::format("Insufficient Data: {} datapoint{} {} unknown", n, n == 1 ? "" : "s", n == 1 ? "was" : "were");
    if (!note.empty()) d.reason += " (" + note + ")";
    d.reason += ".";
    return d;
  }
  const int needed = std::min(alarm.datapoints_to_alarm, present);
  if (breaching >= needed) {
    d.state = AlarmState::kAlarm;
    d.reason = fmt::format(
        "Threshold Crossed: {} out of the last {} datapoints [{}] {} {} the threshold ({}) (minimum {} datapoint{} for "
        "OK -> ALARM transition).",
        breaching, n, breaching_list, breaching == 1 ? "was" : "were", verb, Number(alarm.threshold),
        alarm.datapoints_to_alarm, alarm.datapoints_to_alarm == 1 ? "" : "s");
  } else {
    d.state = AlarmState::kOk;
    d.reason = fmt::format(
        "Threshold Crossed: {} out of the last {} datapoints [{}] {} not {} the threshold ({}) (minimum {} datapoint{} "
        "for OK -> ALARM transition).",
        present - breaching, n, calm_list, present - breaching == 1 ? "was" : "were", verb, Number(alarm.threshold),
        alarm.datapoints_to_alarm, alarm.datapoints_to_alarm == 1 ? "" : "s");
  }
  return d;
}

}  // namespace hotpath::ops
