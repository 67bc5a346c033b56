#pragma once
// Hourly demand of an MDRP day for staffing: what the day's orders were (the oracle), and what could be
// known before the day (the demand implied by the published courier schedule, calibrated on other days).
//
// Hour h of a day is [h, h+1) hours after the instance's time 0 and is stamped 1970-01-01 + h hours, so
// the staffing planner's "hour of day" is the instance's hour index. The command refuses orders placed
// 24 hours or more after time 0; here they would count in hour 23.
#include <string>
#include <vector>

#include "dispatch/mdrp/instance.h"
#include "forecast/model.h"
#include "forecast/result.h"

namespace hotpath::staffsim {

using forecast::QuantileForecast;
using forecast::Result;

// The base day of an MDRP instance: the digits before its size label ("3o50t75s1p125" -> "3").
std::string BaseDay(const std::string& instance_name);

// Orders placed in each hour 0..23.
std::vector<double> OrdersPerHour(const dispatch::mdrp::Instance& day);
// Courier-hours on duty in each hour 0..23 (a courier on for half of an hour counts 0.5).
std::vector<double> ScheduledHoursPerHour(const std::vector<dispatch::mdrp::Courier>& couriers);

// Orders per scheduled courier-hour, learnt from reference days (their orders and their published
// schedules): `rate` pools all of them; the factors are the 10/50/90% quantiles of each hour's
// orders / (scheduled courier-hours x rate), weighted by scheduled hours (hours with under 1
// scheduled courier-hour are skipped).
struct ScheduleFactors {
  double q10 = 1, q50 = 1, q90 = 1;
  int hours = 0;  // hours that entered the quantiles
};
struct ScheduleCalibration {
  double rate = 0;
  double q10 = 1, q50 = 1, q90 = 1;
  int days = 0;   // distinct base days
  int hours = 0;  // hours that entered the quantiles
  // With load_bands > 0, the factors again per class of hour (HourClass); a class without reference
  // hours keeps the pooled factors.
  int load_bands = 0;
  std::vector<ScheduleFactors> by_class;
};
// The class of hour h of a schedule (scheduled courier-hours per hour), known before the day: the last
// scheduled hour is class `bands` (the tail, when couriers finish the last orders); any other hour is
// in load band floor(bands x scheduled(h) / the busiest hour's), capped at bands - 1.
int HourClass(const std::vector<double>& scheduled, int h, int bands);
Result<ScheduleCalibration> CalibrateSchedule(const std::vector<dispatch::mdrp::Instance>& references,
                                              int load_bands = 0);

// Pre-day forecast: demand in hour h = scheduled courier-hours in h (the day's own published schedule)
// x rate, with quantiles from the factors. Covers the hours with anything scheduled.
std::vector<QuantileForecast> ScheduleForecast(const dispatch::mdrp::Instance& day,
                                               const ScheduleCalibration& calibration);

// Upper bound, not a forecast: the day's actual orders per hour as every quantile. Covers the hours from
// the first to the last placement.
std::vector<QuantileForecast> OracleForecast(const dispatch::mdrp::Instance& day);

// Orders are placed in one hour and delivered partly in the next: the courier workload of hour h is
// (1 - lag/60) x demand(h) + lag/60 x demand(h-1), for each quantile. One hour is appended at the end.
std::vector<QuantileForecast> ToWorkload(const std::vector<QuantileForecast>& placed, double lag_minutes);

}  // namespace hotpath::staffsim
