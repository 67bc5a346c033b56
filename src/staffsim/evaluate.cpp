#include "staffsim/evaluate.h"

#include "dispatch/mdrp/solution.h"

namespace hotpath::staffsim {

using forecast::ErrorCode;
using forecast::MakeError;

Result<DayPlan> PlanDay(const dispatch::mdrp::Instance& day, const std::vector<QuantileForecast>& placed,
                        const PlannerSettings& settings) {
  if (placed.empty()) return MakeError(ErrorCode::kInvalidArgument, "no forecast hours for " + day.name);
  if (settings.shift_lengths.empty())
    return MakeError(ErrorCode::kInvalidArgument, "at least one shift length is needed");
  DayPlan out;
  out.workload = ToWorkload(placed, settings.lag_minutes);
  auto need = forecast::CouriersNeeded(out.workload, settings.staffing);
  if (!need.ok()) return need.error();
  out.need = std::move(*need);
  std::vector<int> starts = settings.shift_starts;
  if (starts.empty()) {
    for (int h = 0; h < 24; ++h) starts.push_back(h);
  }
  std::vector<forecast::ShiftType> types;
  for (int s : starts) {
    for (int l : settings.shift_lengths) types.push_back({s, l});
  }
  auto plan = forecast::PlanShifts(out.need, types);
  if (!plan.ok()) return plan.error();
  out.plan = std::move(*plan);
  const auto pool = StartPool(day, settings.positions);
  if (pool.empty() && out.plan.courier_hours > 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     day.name + " has no " +
                         (settings.positions == StartPositions::kRestaurants ? "restaurants" : "couriers") +
                         " to take start positions from");
  }
  out.couriers = CouriersFromPlan(out.plan, pool, settings.seed);
  return out;
}

Result<RunOutcome> ReplayDay(const dispatch::mdrp::Instance& day,
                             const dispatch::mdrp::ReplayOptions& options, const std::filesystem::path& dir,
                             bool write_instance) {
  if (write_instance) {
    if (auto err = WriteInstance(day, dir)) return MakeError(ErrorCode::kIo, *err);
  }
  const auto result = dispatch::mdrp::Replay(day, options);
  if (auto err = dispatch::mdrp::WriteSolution(day, result.solution, dir))
    return MakeError(ErrorCode::kIo, *err);
  auto report = dispatch::mdrp::CheckSolution(day, dir);
  RunOutcome out;
  out.courier_hours = CourierHours(day.couriers);
  out.couriers = static_cast<int>(day.couriers.size());
  out.metrics = report.metrics;
  out.errors = std::move(report.errors);
  return out;
}

Verdict Compare(const RunOutcome& original, const RunOutcome& planned) {
  Verdict v;
  v.fewer_or_equal_hours = planned.courier_hours <= original.courier_hours + 1e-9;
  const auto& a = original.metrics;
  const auto& b = planned.metrics;
  const struct {
    const char* name;
    double before, after;
  } checks[] = {{"undelivered", a.undelivered_pct, b.undelivered_pct},
                {"click-to-door mean", a.click_to_door_mean, b.click_to_door_mean},
                {"click-to-door p90", a.click_to_door_p90, b.click_to_door_p90},
                {"ready-to-pickup", a.ready_to_pickup_mean, b.ready_to_pickup_mean}};
  for (const auto& c : checks) {
    if (c.after > c.before + 1e-9) v.worse_on += (v.worse_on.empty() ? "" : ",") + std::string(c.name);
  }
  v.no_worse = v.worse_on.empty();
  return v;
}

}  // namespace hotpath::staffsim
