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

}  // namespace hotpath::cluster
