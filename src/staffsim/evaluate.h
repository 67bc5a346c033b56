#pragma once
// Staffing evaluated in simulation: an MDRP day replayed by the dispatch engine (the code of
// `hotpath mdrp solve`) with its original couriers, and again with couriers generated from a shift plan
// made by the staffing planner from a demand forecast; the two outcomes compared.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dispatch/mdrp/checker.h"
#include "dispatch/mdrp/instance.h"
#include "dispatch/mdrp/replay.h"
#include "forecast/staffing.h"
#include "staffsim/couriers.h"
#include "staffsim/demand.h"

namespace hotpath::staffsim {

struct PlannerSettings {
  forecast::StaffingParams staffing;
  std::vector<int> shift_starts;            // hours (instance hour index) a shift may start; empty = any
  std::vector<int> shift_lengths{2, 3, 4};  // paid hours
  double lag_minutes = 20;                  // see ToWorkload
  StartPositions positions = StartPositions::kRestaurants;
  std::uint64_t seed = 1;  // courier positions
  // The level of the plan (0 = from the forecast and the utilisation). With a budget, every hour's
  // workload is scaled by one factor m, the largest whose plan has at most this many courier-hours: the
  // forecast then gives only the shape of the day, and the plan's utilisation is u / m.
  double courier_hours_budget = 0;
  // Utilisation by load: hour h is staffed at utilisation u x (workload(h) / the peak's)^-peak_exponent,
  // so with a positive exponent the peaks get more couriers per order than the quiet hours.
  double peak_exponent = 0;
  // Plan grid: 60 (shifts start on the hour) or 30 (on the half hour; the need of each half hour is the
  // hourly workload interpolated at its middle, shift lengths stay whole hours).
  int slot_minutes = 60;  // `hotpath staffing evaluate` defaults to 30
};

struct DayPlan {
  std::vector<QuantileForecast> workload;  // per hour, after ToWorkload
  std::vector<forecast::HourNeed> need;    // per slot (`hour` is the slot's start); plan.on_duty likewise
  forecast::ShiftPlan plan;
  double demand_scale = 1;  // m (see courier_hours_budget); 1 without a budget
  std::vector<dispatch::mdrp::Courier> couriers;
};

// Forecast (orders placed per hour) -> workload -> couriers per hour -> minimum courier-hours shifts ->
// couriers. Errors: no forecast hours, bad settings, an hour no shift type covers, no start positions,
// a budget smaller than the floor of couriers.
Result<DayPlan> PlanDay(const dispatch::mdrp::Instance& day, const std::vector<QuantileForecast>& placed,
                        const PlannerSettings& settings);

struct RunOutcome {
  double courier_hours = 0;
  int couriers = 0;
  dispatch::mdrp::Metrics metrics;
  std::vector<std::string> errors;  // feasibility errors of the built-in checker; empty = feasible
  bool feasible() const { return errors.empty(); }
};

// Replays `day` with the engine, writes the solution files into `dir` (and, with write_instance, the
// instance files too, so `mdrp_check.py dir dir` can verify it) and checks them with the built-in checker.
Result<RunOutcome> ReplayDay(const dispatch::mdrp::Instance& day,
                             const dispatch::mdrp::ReplayOptions& options, const std::filesystem::path& dir,
                             bool write_instance);

// "No worse" = undelivered %, click-to-door mean and p90 and ready-to-pickup mean each <= the original's
// (strictly: the replays are deterministic, so there is no noise to forgive).
struct Verdict {
  bool fewer_or_equal_hours = false;
  bool no_worse = false;
  std::string worse_on;  // the metrics that got worse, comma-separated
  bool holds() const { return fewer_or_equal_hours && no_worse; }
};
Verdict Compare(const RunOutcome& original, const RunOutcome& planned);

// One schedule replayed with several engine seeds: the mean of every metric over the seeds and, for the
// four compared metrics (undelivered %, click-to-door mean and p90, ready-to-pickup), their range
// (max - min over the seeds). Errors: no runs.
struct SeedSummary {
  int seeds = 0;
  RunOutcome mean;  // courier_hours, couriers and every metric averaged over the seeds; errors: none
  double undelivered_pct_range = 0;
  double click_to_door_mean_range = 0;
  double click_to_door_p90_range = 0;
  double ready_to_pickup_range = 0;
};
Result<SeedSummary> SummariseSeeds(const std::vector<RunOutcome>& runs);

// "No worse" against the engine's own seed-to-seed spread (the lead's call of 2026-12-06,
// docs/forecast.md): the original schedule and the plan replayed with the same K engine seeds; per metric
// the plan is no worse when its mean over the seeds is at most the original's mean plus the original's
// range over its seeds on that instance. Fewer-or-equal hours compares the mean courier-hours (the same
// for every seed). Errors: no runs, or not as many planned runs as original ones.
Result<Verdict> CompareWithSeedSpread(const std::vector<RunOutcome>& original,
                                      const std::vector<RunOutcome>& planned);

}  // namespace hotpath::staffsim
