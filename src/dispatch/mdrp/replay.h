#pragma once
// Replays an MDRP instance day in simulated time with the dispatch engine: every `epoch` seconds the
// engine sees the orders placed so far and not yet committed, and the couriers already on duty; committed
// assignments are executed exactly as the benchmark defines (no diversion, service halves around the
// pickup and drop-off instants, pickups not after the courier's off-time).

#include <chrono>

#include "dispatch/mdrp/instance.h"
#include "dispatch/mdrp/solution.h"
#include "dispatch/options.h"

namespace hotpath::dispatch::mdrp {

struct ReplayOptions {
  Options engine;
  Seconds epoch = kMinute;
  std::chrono::milliseconds epoch_budget{400};  // deadline given to each Solve
  // Objective units per unit of courier pay above the guaranteed minimum (balances compensation).
  double money_weight = 0.3;
  // Courier shifts are a published schedule: a courier may be planned for (tentatively, as busy until its
  // on-time at its on-location) this long before it goes on duty. 0 = couriers appear at their on-time.
  Seconds schedule_lookahead = 0;
};

struct ReplayStats {
  int epochs = 0;  // epochs in which the engine ran
  double max_epoch_ms = 0;
  double total_solve_ms = 0;
  int deadline_hits = 0;
};

struct ReplayResult {
  Solution solution;
  ReplayStats stats;
};

[[nodiscard]] ReplayResult Replay(const Instance& instance, const ReplayOptions& options);

}  // namespace hotpath::dispatch::mdrp
