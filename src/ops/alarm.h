#pragma once
// An alarm definition, CloudWatch PutMetricAlarm-style, over one metric of the process's own
// Prometheus registry, and its JSON form (the body of PUT /v1/alarms/{name}, and each [[alarms]]
// table of the config file, which the config loader hands over as JSON).
//
//   {"metric": "hotpath_http_request_duration_seconds", "labels": {"route": "/v1/orders"},
//    "statistic": "p99", "period_s": 60, "threshold": 0.5, "comparison": ">",
//    "evaluation_periods": 5, "datapoints_to_alarm": 3, "notify": ["https://hooks.example/x"],
//    "description": "..."}
//
// Label matchers: a value is matched exactly, or, when it starts with '~', the rest is a regular
// expression (ECMAScript) that must match the whole label value ("~5.." for any 5xx status).

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hotpath::ops {

enum class Statistic { kSum, kAverage, kP50, kP90, kP99, kRate };
enum class Comparison { kGreater, kGreaterOrEqual, kLess, kLessOrEqual };

std::string_view StatisticName(Statistic s);
std::optional<Statistic> ParseStatistic(std::string_view s);
std::string_view ComparisonSymbol(Comparison c);
std::optional<Comparison> ParseComparison(std::string_view s);
// The quantile of a percentile statistic (0.5, 0.9, 0.99); nullopt for the others.
std::optional<double> Quantile(Statistic s);

struct LabelMatcher {
  std::string name;
  std::string value;  // as given ("~..." for a regular expression)
  [[nodiscard]] bool is_regex() const { return !value.empty() && value.front() == '~'; }
  [[nodiscard]] bool Matches(const std::string& actual) const;
  std::shared_ptr<const std::regex> regex;  // compiled when is_regex()
};

struct AlarmDefinition {
  std::string name;
  std::string description;
  std::string metric;
  std::vector<LabelMatcher> labels;  // sorted by name
  Statistic statistic = Statistic::kAverage;
  int period_s = 60;
  double threshold = 0;
  Comparison comparison = Comparison::kGreater;
  int evaluation_periods = 1;
  int datapoints_to_alarm = 1;
  std::vector<std::string> notify;  // http(s) webhook URLs and mailto: addresses
  std::string source = "api";       // "api" or "config"

  [[nodiscard]] bool Breaches(double value) const;
  // Semantic equality (what was configured, not where it came from).
  [[nodiscard]] bool SameAs(const AlarmDefinition& other) const;
};

// Alarm names: 1..64 of [A-Za-z0-9_.-], starting with a letter or digit.
Status ValidateAlarmName(std::string_view name);

// Reads a definition from JSON; every bad field is reported (400 with field details).
// `name` comes from the URL (or the config table's "name" key, when `name_in_body`).
Result<AlarmDefinition> ParseAlarm(const boost::json::object& body, std::string name, bool name_in_body = false);
boost::json::object AlarmToJson(const AlarmDefinition& alarm);

}  // namespace hotpath::ops
