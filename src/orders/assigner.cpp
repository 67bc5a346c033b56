#include "orders/assigner.h"

namespace hotpath::orders {

Assigner::Assigner(OrderService& orders, const Logger& log, std::chrono::milliseconds interval)
    : orders_(orders), log_(log), worker_({.period = interval}, [this] { AssignOnce(); }) {}

void Assigner::AssignOnce() {
  auto r = orders_.AssignPending();
  if (!r.ok()) log_.Warn("rider assignment failed", {{"error", r.error().message}});
}

}  // namespace hotpath::orders
