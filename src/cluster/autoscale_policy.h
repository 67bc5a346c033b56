#pragma once
// The autoscaler's decision, pure: given one sample per running api process and the time of the
// last scaling actions, how many processes there should be. No clock, no I/O, unit-tested.
//
// Load: for each signal, the mean over processes of value / target (CPU in cores, requests in
// flight, p95 latency of the request/response routes); the load is the largest of the three and
// names the signal that drove it. A p95 is only counted for a process that served requests.
//   load > 1                    -> scale out by scale_out_step (up to max), unless within
//                                  scale_out_cooldown of the last scale-out
//   load < scale_in_below       -> scale in by scale_in_step (down to min), unless within
//                                  scale_in_cooldown of the last scaling action of either kind, or
//                                  the remaining processes would carry more than a full load
//   outside [min, max]          -> back inside at once
// Every decision carries a reason for the log.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace hotpath::cluster {

struct AutoscalePolicy {
  int min = 1;
  int max = 4;
  int scale_out_step = 1;
  int scale_in_step = 1;
  std::int64_t scale_out_cooldown_ms = 10000;
  std::int64_t scale_in_cooldown_ms = 30000;
  double target_cpu = 0.6;        // cores per process
  double target_in_flight = 8;    // requests in flight per process
  double target_p95_s = 0.25;
  double scale_in_below = 0.5;
};

struct ProcessSample {
  double cpu = 0;                     // cores used since the previous sample
  double in_flight = 0;
  std::optional<double> p95_s;        // none when the process served no request in the window
};

struct ScalingHistory {
  std::optional<std::int64_t> last_scale_out_ms;
  std::optional<std::int64_t> last_scale_in_ms;
};

struct Decision {
  enum class Action { kHold, kScaleOut, kScaleIn };
  Action action = Action::kHold;
  int current = 0;
  int desired = 0;
  double load = 0;        // the largest signal load (1.0 = at target)
  std::string signal;     // "cpu", "in_flight", "p95" or "" without samples
  double cpu_load = 0, in_flight_load = 0, p95_load = 0;
  std::string reason;
};

const char* ActionName(Decision::Action a);

Decision Decide(const AutoscalePolicy& policy, const ScalingHistory& history, int current,
                const std::vector<ProcessSample>& samples, std::int64_t now_ms);

// What the autoscaler last did, for the operations console: the controller writes it as JSON to
// RUN_DIR/autoscale.json after every decision (atomically); the primary's live feed reads it.
struct AutoscaleState {
  struct Entry {
    std::int64_t at_ms = 0;  // wall clock, Unix ms
    Decision decision;
  };
  std::int64_t updated_ms = 0;   // wall clock of the last decision (held ones too)
  std::int64_t interval_ms = 0;  // sampling period
  int processes = 0;             // serving processes after the decision
  int min = 0, max = 0;
  Decision last;                 // the last decision, holds included
  std::int64_t holds = 0, scale_outs = 0, scale_ins = 0;
  std::deque<Entry> recent;      // the last decisions that changed something, newest first

  static constexpr std::size_t kRecent = 20;
  // Records a decision taken at `at_ms` (counts it; keeps it when it scales).
  void Record(const Decision& d, std::int64_t at_ms, int processes_after);
  [[nodiscard]] std::string ToJson() const;
};

}  // namespace hotpath::cluster
