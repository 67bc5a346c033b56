#include "ops/alarm.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <cctype>

#include "core/json.h"

namespace hotpath::ops {
namespace bj = boost::json;

std::string_view StatisticName(Statistic s) {
  switch (s) {
    case Statistic::kSum: return "sum";
    case Statistic::kAverage: return "average";
    case Statistic::kP50: return "p50";
    case Statistic::kP90: return "p90";
    case Statistic::kP99: return "p99";
    case Statistic::kRate: return "rate";
  }
  return "?";
}

std::optional<Statistic> ParseStatistic(std::string_view s) {
  for (auto st : {Statistic::kSum, Statistic::kAverage, Statistic::kP50, Statistic::kP90, Statistic::kP99,
                  Statistic::kRate}) {
    if (StatisticName(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view ComparisonSymbol(Comparison c) {
  switch (c) {
    case Comparison::kGreater: return ">";
    case Comparison::kGreaterOrEqual: return ">=";
    case Comparison::kLess: return "<";
    case Comparison::kLessOrEqual: return "<=";
  }
  return "?";
}

std::optional<Comparison> ParseComparison(std::string_view s) {
  for (auto c : {Comparison::kGreater, Comparison::kGreaterOrEqual, Comparison::kLess, Comparison::kLessOrEqual}) {
    if (ComparisonSymbol(c) == s) return c;
  }
  return std::nullopt;
}

std::optional<double> Quantile(Statistic s) {
  switch (s) {
    case Statistic::kP50: return 0.5;
    case Statistic::kP90: return 0.9;
    case Statistic::kP99: return 0.99;
    default: return std::nullopt;
  }
}

bool LabelMatcher::Matches(const std::string& actual) const {
  if (!is_regex()) return actual == value;
  return regex && std::regex_match(actual, *regex);
}

bool AlarmDefinition::Breaches(double value) const {
  switch (comparison) {
    case Comparison::kGreater: return value > threshold;
    case Comparison::kGreaterOrEqual: return value >= threshold;
    case Comparison::kLess: return value < threshold;
    case Comparison::kLessOrEqual: return value <= threshold;
  }
  return false;
}

bool AlarmDefinition::SameAs(const AlarmDefinition& o) const {
  auto labels_equal = [](const std::vector<LabelMatcher>& a, const std::vector<LabelMatcher>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const LabelMatcher& x, const LabelMatcher& y) { return x.name == y.name && x.value == y.value; });
  };
  return name == o.name && description == o.description && metric == o.metric && labels_equal(labels, o.labels) &&
         statistic == o.statistic && period_s == o.period_s && threshold == o.threshold &&
         comparison == o.comparison && evaluation_periods == o.evaluation_periods &&
         datapoints_to_alarm == o.datapoints_to_alarm && notify == o.notify;
}

Status ValidateAlarmName(std::string_view name) {
  auto ok_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; };
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::all_of(name.begin(), name.end(), ok_char)) {
    return Error::Invalid("alarm name must be 1..64 characters of [A-Za-z0-9_.-] starting with a letter or digit",
                          {{"name", "must be 1..64 characters of [A-Za-z0-9_.-] starting with a letter or digit"}});
  }
  return OkStatus();
}

namespace {

bool ValidMetricName(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  auto first = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  if (!first(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return first(c) || std::isdigit(static_cast<unsigned char>(c)); });
}

bool ValidLabelName(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s.front())) || s.front() == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool ValidNotifyTarget(const std::string& t) {
  if (t.rfind("https://", 0) == 0 || t.rfind("http://", 0) == 0) {
    auto host_start = t.find("://") + 3;
    return t.size() > host_start && t.find_first_of(" \t\r\n") == std::string::npos;
  }
  if (t.rfind("mailto:", 0) == 0) {
    auto at = t.find('@');
    return at != std::string::npos && at > 7 && at + 1 < t.size() && t.find_first_of(" \t\r\n,") == std::string::npos;
  }
  return false;
}

}  // namespace

Result<AlarmDefinition> ParseAlarm(const bj::object& body, std::string name, bool name_in_body) {
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  AlarmDefinition a;
  if (name_in_body) {
    if (auto n = r.String("name", true, 1, 64)) name = *n;
  } else if (const bj::value* n = r.Value("name", false)) {
    if (!n->is_string() || n->as_string() != name) r.Fail("name", "must equal the name in the URL when given");
  }
  if (!name.empty() || !name_in_body) {
    if (!ValidateAlarmName(name).ok()) errors.Add("name", "must be 1..64 characters of [A-Za-z0-9_.-] starting with a letter or digit");
  }
  a.name = name;
  a.description = r.String("description", false, 0, 1000).value_or("");
  (void)r.Value("source", false);  // read-only (GET shows it); tolerated so a GET body can be PUT back
  if (auto m = r.String("metric", true, 1, 200)) {
    if (!ValidMetricName(*m)) r.Fail("metric", "must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    a.metric = *m;
  }
  if (const bj::value* labels = r.Value("labels", false)) {
    if (!labels->is_object()) {
      r.Fail("labels", "must be an object of label name to value (\"~regex\" for a regular expression)");
    } else {
      for (const auto& [k, v] : labels->as_object()) {
        std::string field = r.Child("labels") + "." + std::string(k);
        if (!ValidLabelName(k)) {
          errors.Add(field, "is not a valid label name");
          continue;
        }
        if (!v.is_string()) {
          errors.Add(field, "must be a string");
          continue;
        }
        LabelMatcher m{std::string(k), std::string(v.as_string()), nullptr};
        if (m.is_regex()) {
          try {
            m.regex = std::make_shared<const std::regex>(m.value.substr(1), std::regex::ECMAScript);
          } catch (const std::regex_error& e) {
            errors.Add(field, fmt::format("is not a valid regular expression: {}", e.what()));
            continue;
          }
        }
        a.labels.push_back(std::move(m));
      }
      std::sort(a.labels.begin(), a.labels.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
    }
  }
  if (auto s = r.String("statistic", true, 1, 20)) {
    if (auto st = ParseStatistic(*s)) a.statistic = *st;
    else r.Fail("statistic", "must be one of sum, average, p50, p90, p99, rate");
  }
  if (auto p = r.Int("period_s", true, 1, 86400)) a.period_s = static_cast<int>(*p);
  if (auto t = r.Number("threshold", true, -1e15, 1e15)) a.threshold = *t;
  if (auto c = r.String("comparison", true, 1, 2)) {
    if (auto cmp = ParseComparison(*c)) a.comparison = *cmp;
    else r.Fail("comparison", "must be one of >, >=, <, <=");
  }
  auto n = r.Int("evaluation_periods", false, 1, 1440);
  a.evaluation_periods = static_cast<int>(n.value_or(1));
  auto m = r.Int("datapoints_to_alarm", false, 1, 1440);
  a.datapoints_to_alarm = static_cast<int>(m.value_or(a.evaluation_periods));
  if (a.datapoints_to_alarm > a.evaluation_periods)
    r.Fail("datapoints_to_alarm", "must not exceed evaluation_periods");
  if (static_cast<std::int64_t>(a.period_s) * a.evaluation_periods > 86400)
    r.Fail("evaluation_periods", "period_s * evaluation_periods must not exceed 86400 (one day)");
  if (const bj::array* notify = r.Array("notify", false, 20)) {
    for (std::size_t i = 0; i < notify->size(); ++i) {
      const auto& t = (*notify)[i];
      if (!t.is_string() || !ValidNotifyTarget(std::string(t.as_string()))) {
        errors.Add(r.Child("notify", i), "must be an http(s) webhook URL or a mailto: address");
        continue;
      }
      a.notify.emplace_back(t.as_string());
    }
  }
  r.Done();
  HP_TRY(errors.ToStatus("alarm definition failed validation"));
  return a;
}

bj::object AlarmToJson(const AlarmDefinition& a) {
  bj::object labels;
  for (const auto& l : a.labels) labels[l.name] = l.value;
  bj::array notify;
  for (const auto& n : a.notify) notify.emplace_back(n);
  return bj::object{{"name", a.name},
                    {"description", a.description},
                    {"metric", a.metric},
                    {"labels", std::move(labels)},
                    {"statistic", StatisticName(a.statistic)},
                    {"period_s", a.period_s},
                    {"threshold", a.threshold},
                    {"comparison", ComparisonSymbol(a.comparison)},
                    {"evaluation_periods", a.evaluation_periods},
                    {"datapoints_to_alarm", a.datapoints_to_alarm},
                    {"notify", std::move(notify)},
                    {"source", a.source}};
}

}  // namespace hotpath::ops
