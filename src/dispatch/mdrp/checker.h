#pragma once
// Independent feasibility check of an MDRP solution as written to disk (the eight conditions of
// MDRPInstances.pdf section 2.1) and the benchmark's performance metrics. It reads the three solution
// files back, so it also verifies the writer's format.

#include <filesystem>
#include <string>
#include <vector>

#include "dispatch/mdrp/instance.h"

namespace hotpath::dispatch::mdrp {

struct Metrics {
  int orders = 0;
  int delivered = 0;
  double undelivered_pct = 0;
  double click_to_door_mean = 0;  // minutes
  double click_to_door_p90 = 0;
  double ready_to_pickup_mean = 0;
  double ready_to_door_mean = 0;
  double cost_per_order = 0;  // total courier compensation / delivered orders
  double orders_per_bundle = 0;
  double couriers_on_guarantee_pct = 0;
  double utilization_mean = 0;
  int over_max_click_to_door = 0;
};

struct CheckReport {
  std::vector<std::string> errors;  // empty when feasible
  Metrics metrics;
  [[nodiscard]] bool feasible() const { return errors.empty(); }
};

[[nodiscard]] CheckReport CheckSolution(const Instance& instance, const std::filesystem::path& solution_dir);

// Linear-interpolated percentile (q in [0, 1]) of unsorted values; 0 for an empty set.
[[nodiscard]] double Percentile(std::vector<double> values, double q);

}  // namespace hotpath::dispatch::mdrp
