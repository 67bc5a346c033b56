#pragma once
// Reads the Prometheus text exposition format (version 0.0.4, what every hotpath process serves at
// /metrics) back into metric families, so that the primary of a cluster can add up the registries
// of the other processes (ops/metrics_sum.h).
//
// Understood: `# TYPE` (counter, gauge, histogram, untyped; summaries are skipped), `# HELP`,
// samples with or without labels and an optional timestamp, label values with the escapes \\ \"
// and \n, the values +Inf, -Inf and NaN. A histogram's `_bucket` (its `le` label becomes the
// bucket's bound), `_sum` and `_count` samples are gathered into one series per label set. Samples
// with no `# TYPE` line are untyped families. A malformed line is an error naming its number.

#include <prometheus/metric_family.h>

#include <string_view>
#include <vector>

#include "core/result.h"

namespace hotpath::ops {

Result<std::vector<prometheus::MetricFamily>> ParseMetricsText(std::string_view text);

}  // namespace hotpath::ops
