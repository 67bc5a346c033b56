#pragma once
// The alarms as Prometheus alerting rules (a rule file for `promtool check rules` and a
// Prometheus server scraping /metrics). Each alarm becomes one rule:
//   counter    sum -> sum(increase(m{..}[P]))         rate -> sum(rate(m{..}[P]))
//   histogram  pN  -> histogram_quantile(q, sum by (le) (rate(m_bucket{..}[P])))
//              average -> sum(rate(m_sum[P])) / sum(rate(m_count[P]));  sum, rate likewise
//   gauge      average/sum/pN -> avg_over_time / sum_over_time / quantile_over_time of
//              (sum(m{..}))[P:]
// compared with the threshold. Prometheus has no "M out of N": `for` is (M - 1) periods, so the
// rule fires once the condition held for M consecutive periods (stricter than M of N).

#include <functional>
#include <string>
#include <vector>

#include "ops/alarm.h"
#include "ops/alarm_evaluator.h"

namespace hotpath::ops {

// `kind_of` names each metric's type (kAbsent: guessed from the name, "_total" = counter).
std::string PrometheusRules(const std::vector<AlarmDefinition>& alarms,
                            const std::function<Reading::Kind(const std::string& metric)>& kind_of);
// The PromQL condition of one alarm.
std::string PromQlCondition(const AlarmDefinition& alarm, Reading::Kind kind);

}  // namespace hotpath::ops
