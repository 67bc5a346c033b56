#pragma once
// The pure part of alarms: reading one metric out of a registry snapshot, turning readings into
// per-period datapoints, and the CloudWatch state decision over the last N periods. No clock, no
// threads: callers pass the time in.
//
// Datapoints. Periods are aligned to multiples of period_s since the Unix epoch; a datapoint
// covers (end - period, end].
//   counter    sum  = increase over the period; rate = increase / period_s (per second).
//   histogram  sum  = increase of the observed sum; rate = observations per second;
//              average = mean observation; p50/p90/p99 = quantile of the period's observations,
//              interpolated inside buckets like PromQL histogram_quantile.
//   gauge      sum/average/p50/p90/p99 over the samples taken during the period (series selected
//              by the matchers are added up at each sample).
// Counters and histograms need a reading at or before the period's start (so the first period
// after an alarm is created or the process starts is missing). A counter or histogram with no
// series selected reads as zero (nothing counted yet); a period with no observation has no
// average or percentile (missing). A gauge with no sample in the period is missing.
//
// Missing data is treated as `missing` (CloudWatch's default TreatMissingData): missing datapoints
// are left out; when every datapoint of the last evaluation_periods is missing the alarm is
// INSUFFICIENT_DATA; otherwise it is ALARM when at least datapoints_to_alarm of the present
// datapoints breach (or, with fewer present datapoints than datapoints_to_alarm, when all present
// ones breach), else OK.

#include <prometheus/metric_family.h>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ops/alarm.h"

namespace hotpath::ops {

enum class AlarmState { kOk, kAlarm, kInsufficientData };
std::string_view AlarmStateName(AlarmState s);
std::optional<AlarmState> ParseAlarmState(std::string_view s);

// One metric at one instant, reduced over the series the alarm's matchers select.
struct Reading {
  enum class Kind { kAbsent, kCounter, kGauge, kHistogram };
  Kind kind = Kind::kAbsent;
  double value = 0;                 // counter total, or gauge sum (gauge: `present` false when no series)
  bool present = false;             // gauge: at least one series selected
  std::map<double, double> buckets;  // histogram: upper bound -> cumulative count (+Inf included)
  double sum = 0;                   // histogram: sum of observations
  double count = 0;                 // histogram: number of observations
};

Reading ReadMetric(const std::vector<prometheus::MetricFamily>& families, const AlarmDefinition& alarm);

// Why a statistic cannot apply to a metric type ("" when it can).
std::string StatisticMismatch(Statistic statistic, Reading::Kind kind, const std::string& metric);

struct Datapoint {
  Millis end = 0;  // the period is (end - period, end]
  std::optional<double> value;
};

struct Decision {
  AlarmState state = AlarmState::kInsufficientData;
  std::string reason;
  std::vector<Datapoint> datapoints;  // newest first
};

// Decides the state from the last evaluation_periods datapoints (newest first).
Decision Decide(const AlarmDefinition& alarm, const std::vector<Datapoint>& datapoints, const std::string& note = "");

// The readings of one alarm over time, enough for its evaluation range.
class AlarmSeries {
 public:
  void Add(Millis at, Reading reading);
  // Drops readings older than needed for `alarm` at `now`.
  void Trim(const AlarmDefinition& alarm, Millis now);
  // The datapoint of the period ending at `end`.
  [[nodiscard]] Datapoint At(const AlarmDefinition& alarm, Millis end) const;
  // The last evaluation_periods datapoints of periods ended at or before `now`, newest first.
  [[nodiscard]] std::vector<Datapoint> Window(const AlarmDefinition& alarm, Millis now) const;
  [[nodiscard]] Reading::Kind LastKind() const {
    return readings_.empty() ? Reading::Kind::kAbsent : readings_.back().second.kind;
  }
  void Clear() { readings_.clear(); }

 private:
  std::deque<std::pair<Millis, Reading>> readings_;  // oldest first
};

// Quantile q of a histogram given as upper bound -> cumulative count (+Inf last), interpolated
// inside the bucket like PromQL histogram_quantile. 0 when the histogram is empty.
double HistogramQuantile(double q, const std::map<double, double>& cumulative);

// The aligned end of the latest period finished at `now`.
Millis LatestPeriodEnd(const AlarmDefinition& alarm, Millis now);

}  // namespace hotpath::ops
