#pragma once
// The order-status cache function: a read model of every order's latest status
// (`order_status_cache`), fed from the `orders` topic. Each event applies once (processed ids), and
// an older version never overwrites a newer one.

#include <optional>
#include <string>

#include "core/clock.h"
#include "functions/runtime.h"
#include "storage/database.h"

namespace hotpath::functions {

struct CachedStatus {
  std::string order_id;
  std::string status;
  std::int64_t version = 0;
  std::string rider_id;
  std::string event_type;
  Millis updated_at = 0;
};

class OrderStatusCache final : public Function {
 public:
  static constexpr const char* kName = "order-status";
  OrderStatusCache(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  Result<Outcome> Handle(const Invocation& invocation) override;
  // PostgreSQL: the batch in one statement (functions/processed.h ApplyBatchOnce).
  std::optional<Result<std::vector<Outcome>>> HandleBatch(const std::vector<Invocation>& invocations) override;
  Result<std::optional<CachedStatus>> Lookup(const std::string& order_id);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace hotpath::functions
