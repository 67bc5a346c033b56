#pragma once
// Replays an MDRP instance day in simulated time with the dispatch engine: every `epoch` seconds the
// engine sees the orders placed so far and not yet committed, and the couriers already on duty; committed
// assignments are executed exactly as the benchmark defines (no diversion, service halves around the
// pickup and drop-off instants, pickups not after the courier's off-time).

#include <chrono>

#include "dispatch/mdrp/instance.h"
#include "dispatch/mdrp/solution.h"
#include "dispatch/options.h"
#include "dispatch/reposition.h"

namespace hotpath::dispatch::mdrp {

struct ReplayOptions {
  Options engine;
  Seconds epoch = kMinute;
  std::chrono::milliseconds epoch_budget{400};  // deadline given to each Solve
  // Objective units per unit of courier pay above the guaranteed minimum (balances compensation).
  double money_weight = 0.3;
  // Courier shifts are a published schedule: a courier may be planned for (tentatively, as busy until its
  // on-time at its on-location) this long before it goes on duty. 0 = couriers appear at their on-time.
  // Together with Options::discount_after_shift it hands work over at shift changes: leaving couriers take
  // what they can pick up before their off-time, arriving ones are planned for what comes after.
  Seconds schedule_lookahead = 20 * kMinute;
  // Repositioning (the benchmark's "prepositioning" moves): after each epoch, idle couriers with no plan
  // move (one restaurant-to-restaurant hop at most per epoch) where they cover expected demand better. A
  // restaurant's expected demand is its orders placed within the last demand_window (known now), plus
  // demand_prior. Couriers with less than reposition_min_shift_left of shift stay where they are.
  bool reposition = true;
  Seconds demand_window = 60 * kMinute;
  double demand_prior = 0;
  Seconds reposition_min_shift_left = 15 * kMinute;
  RepositionOptions repositioning;
};

struct ReplayStats {
  int epochs = 0;  // epochs in which the engine ran
  double max_epoch_ms = 0;      // wall time of the slowest decision step (engine + repositioning)
  double max_epoch_cpu_ms = 0;  // CPU time of the slowest step (unaffected by other load on the machine)
  double total_solve_ms = 0;
  int deadline_hits = 0;
};

struct ReplayResult {
  Solution solution;
  ReplayStats stats;
};

[[nodiscard]] ReplayResult Replay(const Instance& instance, const ReplayOptions& options);

}  // namespace hotpath::dispatch::mdrp
