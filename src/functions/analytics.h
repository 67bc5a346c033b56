#pragma once
// The analytics function: per zone and minute counts of placed, delivered and cancelled orders and
// click-to-door times (placed -> delivered), fed from the `orders` topic by event time, each event
// applied once. Query() answers GET /v1/analytics/zones/{id}.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "functions/runtime.h"
#include "storage/database.h"

namespace hotpath::functions {

struct MinuteCounts {
  Millis at = 0;  // start of the minute
  std::int64_t placed = 0;
  std::int64_t delivered = 0;
  std::int64_t cancelled = 0;
};

struct ZoneReport {
  std::string zone_id;
  Millis from = 0;  // inclusive
  Millis to = 0;    // exclusive
  MinuteCounts totals;
  std::int64_t click_to_door_samples = 0;  // orders delivered in [from, to) whose placement was seen
  double click_to_door_mean = 0;           // minutes
  double click_to_door_p50 = 0;
  double click_to_door_p90 = 0;
  std::vector<MinuteCounts> minutes;  // minutes with any count, in order
};

// Nearest-rank percentile (q in (0, 1]) of sorted values; 0 for none.
double Percentile(const std::vector<double>& sorted, double q);

class Analytics final : public Function {
 public:
  static constexpr const char* kName = "analytics";
  // The longest range a query may ask for (minutes are listed one by one).
  static constexpr Millis kMaxRange = 31LL * 24 * 3600 * 1000;
  Analytics(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  Result<Outcome> Handle(const Invocation& invocation) override;
  // PostgreSQL: the batch in one statement (functions/processed.h ApplyBatchOnce).
  std::optional<Result<std::vector<Outcome>>> HandleBatch(const std::vector<Invocation>& invocations) override;
  // Minutes whose start is in [from, to); click-to-door of orders delivered in [from, to).
  Result<ZoneReport> Query(const std::string& zone_id, Millis from, Millis to);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace hotpath::functions
