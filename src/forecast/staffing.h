#pragma once
// Courier staffing from a zone's hourly forecast: couriers needed per hour, then the shift plan with
// the fewest courier-hours that covers them. The shift problem (cover need[h] with intervals of
// allowed starts and lengths) has a consecutive-ones matrix, so its LP is integral; it is solved
// exactly as a min-cost flow over the hours (Veinott-Wagner transformation).
#include <vector>

#include "forecast/model.h"
#include "forecast/result.h"

namespace hotpath::forecast {

struct StaffingParams {
  double orders_per_courier_hour = 2.5;  // measured deliveries per busy courier-hour
  double target_utilisation = 0.8;       // share of a paid hour spent delivering
  double service_level = 0.9;            // demand quantile staffed for: 0.1..0.9, from q10/q50/q90
  int min_couriers = 0;                  // floor for every hour of the plan
};

struct HourNeed {
  Timestamp hour{};
  double demand = 0;  // orders at the service-level quantile
  int couriers = 0;
};

// Demand at quantile p by linear interpolation between q10, q50 and q90 (clamped to [0.1, 0.9]).
double DemandAtServiceLevel(const QuantileForecast& f, double p);
Result<std::vector<HourNeed>> CouriersNeeded(const std::vector<QuantileForecast>& hourly,
                                             const StaffingParams& params);

struct ShiftType {
  int start_hour = 0;    // hour of day the shift may start
  int length_hours = 4;  // paid hours
};

struct Shift {
  Timestamp start{};
  int length_hours = 0;
  int couriers = 0;
};

struct ShiftPlan {
  std::vector<Shift> shifts;
  std::vector<int> on_duty;  // couriers working in each hour of the plan
  long courier_hours = 0;
};

// Minimum courier-hours plan covering need[i] couriers in hour hours[i] (consecutive hours). A shift
// may start at any listed start hour inside the plan; one that runs past the plan's end is paid in full.
// Errors: an hour with need > 0 that no shift type can cover.
Result<ShiftPlan> PlanShifts(const std::vector<HourNeed>& need, const std::vector<ShiftType>& types);

// Independent check used by tests and the CLI: every hour covered, hours add up.
bool PlanCovers(const ShiftPlan& plan, const std::vector<HourNeed>& need);

}  // namespace hotpath::forecast
