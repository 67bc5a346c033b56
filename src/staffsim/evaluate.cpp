#include "staffsim/evaluate.h"

#include <algorithm>
#include <cmath>

#include "dispatch/mdrp/solution.h"

namespace hotpath::staffsim {

using forecast::ErrorCode;
using forecast::MakeError;

namespace {

void Scale(QuantileForecast& f, double k) {
  f.point *= k;
  f.q10 *= k;
  f.q50 *= k;
  f.q90 *= k;
}

// The hourly workload on a grid of half hours: slot 2i+j is hour i's rate interpolated at its middle
// (a quarter of the way to the neighbouring hour's), stamped as consecutive pseudo-hours from 0.
std::vector<QuantileForecast> HalfHours(const std::vector<QuantileForecast>& hourly) {
  std::vector<QuantileForecast> out;
  auto blend = [](const QuantileForecast& a, const QuantileForecast* b) {
    QuantileForecast f = a;
    const QuantileForecast zero{};
    const QuantileForecast& n = b != nullptr ? *b : zero;
    f.point = 0.75 * a.point + 0.25 * n.point;
    f.q10 = 0.75 * a.q10 + 0.25 * n.q10;
    f.q50 = 0.75 * a.q50 + 0.25 * n.q50;
    f.q90 = 0.75 * a.q90 + 0.25 * n.q90;
    return f;
  };
  for (size_t i = 0; i < hourly.size(); ++i) {
    for (int j = 0; j < 2; ++j) {
      const QuantileForecast* n = j == 0 ? (i > 0 ? &hourly[i - 1] : nullptr)
                                         : (i + 1 < hourly.size() ? &hourly[i + 1] : nullptr);
      QuantileForecast f = blend(hourly[i], n);
      f.ds = forecast::Timestamp(std::chrono::hours(out.size()));
      out.push_back(f);
    }
  }
  return out;
}

}  // namespace

Result<DayPlan> PlanDay(const dispatch::mdrp::Instance& day, const std::vector<QuantileForecast>& placed,
                        const PlannerSettings& settings) {
  if (placed.empty()) return MakeError(ErrorCode::kInvalidArgument, "no forecast hours for " + day.name);
  if (settings.shift_lengths.empty())
    return MakeError(ErrorCode::kInvalidArgument, "at least one shift length is needed");
  std::vector<int> starts = settings.shift_starts;
  if (starts.empty()) {
    for (int h = 0; h < 24; ++h) starts.push_back(h);
  }
  if (settings.slot_minutes != 60 && settings.slot_minutes != 30)
    return MakeError(ErrorCode::kInvalidArgument, "plan slots are 60 or 30 minutes");
  const int per_hour = 60 / settings.slot_minutes;
  if (per_hour > 1 && !settings.shift_starts.empty())
    return MakeError(ErrorCode::kInvalidArgument, "half-hour slots take every start time");
  std::vector<forecast::ShiftType> types;
  for (int s : starts) {
    for (int l : settings.shift_lengths) types.push_back({s, l * per_hour});
  }
  DayPlan out;
  out.workload = ToWorkload(placed, settings.lag_minutes);
  if (settings.peak_exponent != 0) {
    double peak = 0;
    for (const auto& f : out.workload) peak = std::max(peak, f.q50);
    for (auto& f : out.workload) {
      if (peak > 0 && f.q50 > 0) Scale(f, std::pow(f.q50 / peak, settings.peak_exponent));
    }
  }
  // The need and the minimum courier-hours plan for the workload scaled by m.
  using Planned = std::pair<std::vector<forecast::HourNeed>, forecast::ShiftPlan>;
  auto plan_at = [&](double m) -> Result<Planned> {
    auto w = per_hour > 1 ? HalfHours(out.workload) : out.workload;
    for (auto& f : w) Scale(f, m);
    auto need = forecast::CouriersNeeded(w, settings.staffing);
    if (!need.ok()) return need.error();
    auto plan = forecast::PlanShifts(*need, types);
    if (!plan.ok()) return plan.error();
    return Planned{std::move(*need), std::move(*plan)};
  };
  const double budget = settings.courier_hours_budget;
  auto fits = [&](const Planned& p) {
    return static_cast<double>(p.second.courier_hours) / per_hour <= budget + 1e-9;
  };
  auto best = plan_at(1.0);
  if (!best.ok()) return best.error();
  if (budget > 0) {
    // The largest m whose plan fits the budget: plan(lo) fits, plan(hi) does not. Courier-hours grow
    // with m (a pointwise larger need is never cheaper to cover).
    auto fit = plan_at(0.0);
    if (!fit.ok()) return fit.error();
    if (!fits(*fit)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       day.name + ": the floor of couriers needs more than the budget of " +
                           std::to_string(budget) + " courier-hours");
    }
    double lo = 0, hi = 1;
    for (int k = 0; k < 40 && fits(*best); ++k) {
      lo = hi;
      fit = std::move(best);
      hi *= 2;
      best = plan_at(hi);
      if (!best.ok()) return best.error();
    }
    if (fits(*best)) {  // no demand at all: any scale fits
      fit = std::move(best);
      lo = hi;
    } else {
      for (int k = 0; k < 40; ++k) {
        const double mid = (lo + hi) / 2;
        auto p = plan_at(mid);
        if (!p.ok()) return p.error();
        if (fits(*p)) {
          lo = mid;
          fit = std::move(p);
        } else {
          hi = mid;
        }
      }
    }
    best = std::move(fit);
    out.demand_scale = lo;
  }
  out.need = std::move(best->first);
  out.plan = std::move(best->second);
  if (per_hour > 1) {  // pseudo-hours back to real half hours from the first workload hour
    const auto first = out.workload.front().ds;
    for (size_t k = 0; k < out.need.size(); ++k) out.need[k].hour = first + std::chrono::minutes(30 * k);
    for (auto& s : out.plan.shifts) {
      const auto slot = std::chrono::duration_cast<std::chrono::hours>(s.start.time_since_epoch()).count();
      s.start = first + std::chrono::minutes(30 * slot);
      s.length_hours /= per_hour;
    }
    out.plan.courier_hours /= per_hour;
  }
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

Result<SeedSummary> SummariseSeeds(const std::vector<RunOutcome>& runs) {
  if (runs.empty()) return MakeError(ErrorCode::kInvalidArgument, "no replays to summarise");
  SeedSummary s;
  s.seeds = static_cast<int>(runs.size());
  const double n = static_cast<double>(runs.size());
  auto& m = s.mean.metrics;
  double couriers = 0;
  for (const auto& r : runs) {
    const auto& x = r.metrics;
    s.mean.courier_hours += r.courier_hours / n;
    couriers += r.couriers / n;
    m.orders = x.orders;
    m.delivered += x.delivered;
    m.undelivered_pct += x.undelivered_pct / n;
    m.click_to_door_mean += x.click_to_door_mean / n;
    m.click_to_door_p90 += x.click_to_door_p90 / n;
    m.ready_to_pickup_mean += x.ready_to_pickup_mean / n;
    m.ready_to_door_mean += x.ready_to_door_mean / n;
    m.cost_per_order += x.cost_per_order / n;
    m.orders_per_bundle += x.orders_per_bundle / n;
    m.couriers_on_guarantee_pct += x.couriers_on_guarantee_pct / n;
    m.utilization_mean += x.utilization_mean / n;
    m.over_max_click_to_door += x.over_max_click_to_door;
  }
  m.delivered = static_cast<int>(std::lround(m.delivered / n));
  m.over_max_click_to_door = static_cast<int>(std::lround(m.over_max_click_to_door / n));
  s.mean.couriers = static_cast<int>(std::lround(couriers));
  auto range = [&](double dispatch::mdrp::Metrics::*field) {
    double lo = runs.front().metrics.*field, hi = lo;
    for (const auto& r : runs) {
      lo = std::min(lo, r.metrics.*field);
      hi = std::max(hi, r.metrics.*field);
    }
    return hi - lo;
  };
  s.undelivered_pct_range = range(&dispatch::mdrp::Metrics::undelivered_pct);
  s.click_to_door_mean_range = range(&dispatch::mdrp::Metrics::click_to_door_mean);
  s.click_to_door_p90_range = range(&dispatch::mdrp::Metrics::click_to_door_p90);
  s.ready_to_pickup_range = range(&dispatch::mdrp::Metrics::ready_to_pickup_mean);
  return s;
}

Result<Verdict> CompareWithSeedSpread(const std::vector<RunOutcome>& original,
                                      const std::vector<RunOutcome>& planned) {
  if (original.size() != planned.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the seed-spread verdict needs as many planned replays as original ones (" +
                         std::to_string(planned.size()) + " vs " + std::to_string(original.size()) + ")");
  }
  auto a = SummariseSeeds(original);
  if (!a.ok()) return a.error();
  auto b = SummariseSeeds(planned);
  if (!b.ok()) return b.error();
  Verdict v;
  v.fewer_or_equal_hours = b->mean.courier_hours <= a->mean.courier_hours + 1e-9;
  const auto& x = a->mean.metrics;
  const auto& y = b->mean.metrics;
  const struct {
    const char* name;
    double before, spread, after;
  } checks[] = {{"undelivered", x.undelivered_pct, a->undelivered_pct_range, y.undelivered_pct},
                {"click-to-door mean", x.click_to_door_mean, a->click_to_door_mean_range, y.click_to_door_mean},
                {"click-to-door p90", x.click_to_door_p90, a->click_to_door_p90_range, y.click_to_door_p90},
                {"ready-to-pickup", x.ready_to_pickup_mean, a->ready_to_pickup_range, y.ready_to_pickup_mean}};
  for (const auto& c : checks) {
    if (c.after > c.before + c.spread + 1e-9)
      v.worse_on += (v.worse_on.empty() ? "" : ",") + std::string(c.name);
  }
  v.no_worse = v.worse_on.empty();
  return v;
}

}  // namespace hotpath::staffsim
