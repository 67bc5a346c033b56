#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "dispatch/mdrp/instance.h"
#include "staffsim/cli.h"
#include "staffsim/couriers.h"
#include "staffsim/demand.h"
#include "staffsim/evaluate.h"

namespace hotpath::staffsim {
namespace {

namespace fs = std::filesystem;
using dispatch::mdrp::Courier;
using dispatch::mdrp::Instance;

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hotpath_staffsim_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

forecast::Timestamp Hour(int h) { return forecast::Timestamp(std::chrono::hours(h)); }

// A small day: one restaurant at the origin, `orders` orders placed every 6 minutes from minute 60,
// two couriers on 60-240 and 120-300 minutes.
fs::path SmallDay(const fs::path& parent, const std::string& name, int orders) {
  const fs::path dir = parent / name;
  fs::create_directories(dir);
  Write(dir / "restaurants.txt", "restaurant\tx\ty\nr1\t0\t0\nr2\t1000\t0\n");
  std::string o = "order\tx\ty\tplacement_time\trestaurant\tready_time\n";
  for (int i = 0; i < orders; ++i) {
    const int placed = 60 + 6 * i;
    o += "o" + std::to_string(i + 1) + "\t" + std::to_string(300 * (i % 5)) + "\t640\t" +
         std::to_string(placed) + "\tr" + std::to_string(1 + i % 2) + "\t" + std::to_string(placed + 10) +
         "\n";
  }
  Write(dir / "orders.txt", o);
  Write(dir / "couriers.txt",
        "courier\tx\ty\ton_time\toff_time\nc1\t320\t0\t60\t240\nc2\t0\t320\t120\t300\n");
  Write(dir / "instance_parameters.txt",
        "meters_per_minute\tpickup service minutes\tdropoff service minutes\ttarget click-to-door\t"
        "maximum click-to-door\tpay per order\tguaranteed pay per hour\n320\t4\t4\t40\t90\t10\t15\n");
  return dir;
}

Instance LoadOk(const fs::path& dir) {
  auto r = dispatch::mdrp::LoadInstance(dir);
  EXPECT_TRUE(std::holds_alternative<Instance>(r)) << std::get<dispatch::mdrp::LoadError>(r).ToString();
  return std::get<Instance>(r);
}

TEST(StaffsimDemand, BaseDayIsTheLeadingDigits) {
  EXPECT_EQ(BaseDay("3o50t75s1p125"), "3");
  EXPECT_EQ(BaseDay("12r50t100s1p100"), "12");
  EXPECT_EQ(BaseDay("tiny"), "");
}

TEST(StaffsimDemand, ScheduledHoursSplitCouriersAcrossHours) {
  const std::vector<Courier> cs = {{"a", {}, 30 * 60, 150 * 60}, {"b", {}, 60 * 60, 120 * 60}};
  const auto h = ScheduledHoursPerHour(cs);
  EXPECT_DOUBLE_EQ(h[0], 0.5);
  EXPECT_DOUBLE_EQ(h[1], 2.0);
  EXPECT_DOUBLE_EQ(h[2], 0.5);
  EXPECT_DOUBLE_EQ(h[3], 0.0);
  EXPECT_DOUBLE_EQ(CourierHours(cs), 3.0);
}

TEST(StaffsimDemand, ScheduleCalibrationPoolsOrdersPerScheduledHour) {
  const fs::path dir = TempDir("calibrate");
  const Instance a = LoadOk(SmallDay(dir, "7o50t100s1p100", 30));  // 30 orders over 6 courier-hours
  const auto cal = CalibrateSchedule({a});
  ASSERT_TRUE(cal.ok());
  EXPECT_DOUBLE_EQ(cal->rate, 30.0 / 6.0);
  EXPECT_EQ(cal->days, 1);
  EXPECT_LE(cal->q10, cal->q50);
  EXPECT_LE(cal->q50, cal->q90);
  // The forecast of a day is its schedule x rate x factor, over the scheduled hours only.
  const auto fc = ScheduleForecast(a, *cal);
  ASSERT_EQ(fc.size(), 4u);  // hours 1..4
  EXPECT_EQ(fc.front().ds, Hour(1));
  EXPECT_DOUBLE_EQ(fc[1].q90, 2.0 * cal->rate * cal->q90);  // hour 2: both couriers on
  EXPECT_FALSE(CalibrateSchedule({}).ok());
}

TEST(StaffsimDemand, HourClassesAreLoadBandsAndTheTail) {
  std::vector<double> sched(24, 0.0);
  sched[1] = 2;
  sched[2] = 10;
  sched[3] = 5;
  sched[4] = 1;
  EXPECT_EQ(HourClass(sched, 1, 3), 0);  // 0.2 of the peak
  EXPECT_EQ(HourClass(sched, 2, 3), 2);  // the peak is in the top band
  EXPECT_EQ(HourClass(sched, 3, 3), 1);  // 0.5
  EXPECT_EQ(HourClass(sched, 4, 3), 3);  // the last scheduled hour: the tail
  EXPECT_EQ(HourClass(sched, 2, 0), 0);  // no bands: one class
}

TEST(StaffsimDemand, CalibrationByClassGivesTheDayItsShape) {
  const fs::path dir = TempDir("calibrate_classes");
  // 10 orders in each of hours 1-3; scheduled 1, 2, 2, 1 courier-hours in hours 1-4; rate 30/6 = 5.
  const Instance a = LoadOk(SmallDay(dir, "7o50t100s1p100", 30));
  const auto cal = CalibrateSchedule({a}, 3);
  ASSERT_TRUE(cal.ok());
  ASSERT_EQ(cal->by_class.size(), 4u);
  EXPECT_EQ(cal->by_class[0].hours, 0);          // no hour under a third of the peak
  EXPECT_DOUBLE_EQ(cal->by_class[1].q50, 2.0);   // hour 1: 10 orders / (1 x 5)
  EXPECT_DOUBLE_EQ(cal->by_class[2].q50, 1.0);   // hours 2-3: 10 / (2 x 5)
  EXPECT_DOUBLE_EQ(cal->by_class[3].q90, 0.0);   // the tail, hour 4: no orders
  const auto fc = ScheduleForecast(a, *cal);
  ASSERT_EQ(fc.size(), 4u);
  for (size_t h = 0; h < 3; ++h) EXPECT_DOUBLE_EQ(fc[h].q50, 10.0) << h;  // the day's own orders back
  EXPECT_DOUBLE_EQ(fc[3].q50, 0.0);
  // Without bands every hour is scaled alike (the pooled factors).
  const auto flat = ScheduleForecast(a, *CalibrateSchedule({a}, 0));
  EXPECT_DOUBLE_EQ(flat[1].q50 / flat[0].q50, 2.0);
}

TEST(StaffsimDemand, OracleIsTheDaysOrdersAndWorkloadLagsIntoTheNextHour) {
  const fs::path dir = TempDir("oracle");
  const Instance a = LoadOk(SmallDay(dir, "7o50t100s1p100", 12));  // placed at minutes 60..126
  const auto fc = OracleForecast(a);
  ASSERT_EQ(fc.size(), 2u);
  EXPECT_DOUBLE_EQ(fc[0].q50, 10);
  EXPECT_DOUBLE_EQ(fc[1].q90, 2);
  const auto w = ToWorkload(fc, 15);
  ASSERT_EQ(w.size(), 3u);  // one hour appended
  EXPECT_DOUBLE_EQ(w[0].q50, 0.75 * 10);
  EXPECT_DOUBLE_EQ(w[1].q50, 0.75 * 2 + 0.25 * 10);
  EXPECT_DOUBLE_EQ(w[2].q50, 0.25 * 2);
  EXPECT_EQ(w[2].ds, Hour(3));
}

TEST(StaffsimCouriers, CouriersFollowThePlanAndTheSeed) {
  forecast::ShiftPlan plan;
  plan.shifts = {{Hour(2), 3, 2}, {Hour(5), 4, 1}};
  plan.courier_hours = 10;
  const std::vector<dispatch::Point> pool = {{0, 0}, {100, 0}, {0, 100}, {100, 100}};
  const auto cs = CouriersFromPlan(plan, pool, 7);
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0].id, "p1");
  EXPECT_EQ(cs[2].id, "p3");
  EXPECT_EQ(cs[0].on, 2 * 3600);
  EXPECT_EQ(cs[1].off, 5 * 3600);
  EXPECT_EQ(cs[2].on, 5 * 3600);
  EXPECT_EQ(cs[2].off, 9 * 3600);
  EXPECT_DOUBLE_EQ(CourierHours(cs), static_cast<double>(plan.courier_hours));
  for (const auto& c : cs) EXPECT_NE(std::find(pool.begin(), pool.end(), c.start), pool.end());
  // Same seed, same couriers; over many couriers another seed moves some of them.
  plan.shifts = {{Hour(0), 4, 40}};
  const auto x = CouriersFromPlan(plan, pool, 7), y = CouriersFromPlan(plan, pool, 7),
             z = CouriersFromPlan(plan, pool, 8);
  int same_xy = 0, same_xz = 0;
  std::set<std::pair<double, double>> used;
  for (size_t i = 0; i < x.size(); ++i) {
    same_xy += x[i].start == y[i].start;
    same_xz += x[i].start == z[i].start;
    used.insert({x[i].start.x, x[i].start.y});
  }
  EXPECT_EQ(same_xy, 40);
  EXPECT_LT(same_xz, 40);
  EXPECT_EQ(used.size(), pool.size());  // every start point drawn
}

TEST(StaffsimCouriers, StartPoolAndInstanceWriterRoundTrip) {
  const fs::path dir = TempDir("roundtrip");
  Instance a = LoadOk(SmallDay(dir, "4o50t100s1p100", 9));
  EXPECT_EQ(StartPool(a, StartPositions::kScheduleOnLocations).size(), 2u);
  EXPECT_EQ(StartPool(a, StartPositions::kRestaurants).size(), 2u);
  a.couriers = {{"p1", {12.5, -3}, 90, 3690}};
  ASSERT_FALSE(WriteInstance(a, dir / "copy").has_value());
  const Instance b = LoadOk(dir / "copy");
  ASSERT_EQ(b.couriers.size(), 1u);
  EXPECT_EQ(b.couriers[0].start, (dispatch::Point{12.5, -3}));
  EXPECT_EQ(b.couriers[0].on, 90);
  EXPECT_EQ(b.couriers[0].off, 3690);
  ASSERT_EQ(b.orders.size(), a.orders.size());
  EXPECT_EQ(b.orders[4].placed, a.orders[4].placed);
  EXPECT_EQ(b.orders[4].restaurant, a.orders[4].restaurant);
  EXPECT_EQ(b.parameters.target_click_to_door, a.parameters.target_click_to_door);
}

TEST(StaffsimEvaluate, PlanCoversTheNeedWithAllowedShifts) {
  const fs::path dir = TempDir("plan");
  const Instance a = LoadOk(SmallDay(dir, "4o50t100s1p100", 40));
  PlannerSettings s;
  s.staffing.orders_per_courier_hour = 2;
  s.staffing.target_utilisation = 1;
  s.shift_lengths = {2, 3};
  auto plan = PlanDay(a, OracleForecast(a), s);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(forecast::PlanCovers(plan->plan, plan->need));
  long hours = 0;
  for (const auto& sh : plan->plan.shifts) {
    EXPECT_TRUE(sh.length_hours == 2 || sh.length_hours == 3);
    hours += static_cast<long>(sh.length_hours) * sh.couriers;
  }
  EXPECT_EQ(hours, plan->plan.courier_hours);
  EXPECT_DOUBLE_EQ(CourierHours(plan->couriers), static_cast<double>(hours));
  // 10 orders placed in hour 1 with a 20-minute lag -> 6.67 orders of work -> 4 couriers at 2/h.
  EXPECT_EQ(plan->need[0].couriers, 4);
  s.shift_lengths = {};
  EXPECT_FALSE(PlanDay(a, OracleForecast(a), s).ok());
  s.shift_lengths = {2};
  EXPECT_FALSE(PlanDay(a, {}, s).ok());
}

TEST(StaffsimEvaluate, ABudgetSetsTheLevelAndTheForecastTheShape) {
  const fs::path dir = TempDir("budget");
  const Instance a = LoadOk(SmallDay(dir, "4o50t100s1p100", 40));  // hours 1-4: 10, 10, 10, 10 orders
  std::vector<QuantileForecast> placed;
  const double demand[] = {4, 20, 8};  // a peak in the middle hour
  for (int h = 0; h < 3; ++h) placed.push_back({"x", Hour(1 + h), demand[h], demand[h], demand[h], demand[h]});
  PlannerSettings s;
  s.staffing.orders_per_courier_hour = 2;
  s.staffing.target_utilisation = 1;
  s.shift_lengths = {1, 2};
  s.lag_minutes = 0;
  long previous = 0;
  for (int budget = 1; budget <= 40; ++budget) {
    s.courier_hours_budget = budget;
    auto plan = PlanDay(a, placed, s);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_LE(plan->plan.courier_hours, budget);
    EXPECT_GE(plan->plan.courier_hours, previous);  // more budget, never fewer hours
    previous = plan->plan.courier_hours;
    EXPECT_TRUE(forecast::PlanCovers(plan->plan, plan->need));
    EXPECT_GE(plan->need[1].couriers, plan->need[0].couriers);  // the peak keeps the most couriers
    EXPECT_GE(plan->need[1].couriers, plan->need[2].couriers);
  }
  // 1-hour shifts fit any budget exactly once it exceeds the rounding: 4 + 20 + 8 = 32 orders at
  // 2 per hour are 16 courier-hours at scale 1; a budget of 32 doubles every hour's couriers.
  s.courier_hours_budget = 32;
  auto plan = PlanDay(a, placed, s);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->plan.courier_hours, 32);
  EXPECT_EQ(plan->need[0].couriers, 4);
  EXPECT_EQ(plan->need[1].couriers, 20);
  EXPECT_EQ(plan->need[2].couriers, 8);
  EXPECT_NEAR(plan->demand_scale, 2.0, 0.01);
  // Without a budget the utilisation sizes the plan: scale 1.
  s.courier_hours_budget = 0;
  plan = PlanDay(a, placed, s);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->plan.courier_hours, 16);
  EXPECT_DOUBLE_EQ(plan->demand_scale, 1.0);
  // A floor of couriers the budget cannot pay is an error, not a plan over budget.
  s.staffing.min_couriers = 2;
  s.courier_hours_budget = 5;
  EXPECT_FALSE(PlanDay(a, placed, s).ok());
}

TEST(StaffsimEvaluate, HalfHourSlotsStartShiftsOnTheHalfHourWithinTheBudget) {
  const fs::path dir = TempDir("slots");
  const Instance a = LoadOk(SmallDay(dir, "4o50t100s1p100", 40));
  std::vector<QuantileForecast> placed;
  const double demand[] = {4, 20, 8};
  for (int h = 0; h < 3; ++h) placed.push_back({"x", Hour(1 + h), demand[h], demand[h], demand[h], demand[h]});
  PlannerSettings s;
  s.staffing.orders_per_courier_hour = 2;
  s.staffing.target_utilisation = 1;
  s.shift_lengths = {1, 2};
  s.lag_minutes = 0;
  s.slot_minutes = 30;
  auto plan = PlanDay(a, placed, s);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  // Half hours of hour 1 (4/h) next to hour 2 (20/h): 0.75 x 4 and 0.75 x 4 + 0.25 x 20 orders per hour
  // -> 2 and 4 couriers; the peak's half hours 16 and 17/h -> 8 and 9.
  ASSERT_EQ(plan->need.size(), 8u);  // 3 hours and the appended one, in half hours
  EXPECT_EQ(plan->need[0].couriers, 2);
  EXPECT_EQ(plan->need[1].couriers, 4);
  EXPECT_EQ(plan->need[2].couriers, 8);
  EXPECT_EQ(plan->need[3].couriers, 9);
  EXPECT_EQ(plan->need[1].hour, Hour(1) + std::chrono::minutes(30));
  EXPECT_TRUE(forecast::PlanCovers(plan->plan, plan->need));
  bool half = false;
  for (const auto& c : plan->couriers) {
    EXPECT_EQ(c.on % 1800, 0) << c.id;
    EXPECT_TRUE(c.off - c.on == 3600 || c.off - c.on == 7200) << c.id;
    half = half || c.on % 3600 != 0;
  }
  EXPECT_TRUE(half) << "the ramp inside hour 1 should start someone at 1:30";
  EXPECT_DOUBLE_EQ(CourierHours(plan->couriers), static_cast<double>(plan->plan.courier_hours));
  for (int budget : {8, 13, 20}) {
    s.courier_hours_budget = budget;
    plan = PlanDay(a, placed, s);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_LE(CourierHours(plan->couriers), budget);
    EXPECT_GE(CourierHours(plan->couriers), budget - 2);  // whole-hour shifts: at most one short
  }
  s.shift_starts = {1};
  EXPECT_FALSE(PlanDay(a, placed, s).ok());  // a half-hour grid takes every start
  s.shift_starts = {};
  s.slot_minutes = 45;
  EXPECT_FALSE(PlanDay(a, placed, s).ok());
}

TEST(StaffsimEvaluate, PeakExponentMovesCouriersIntoThePeak) {
  const fs::path dir = TempDir("peak");
  const Instance a = LoadOk(SmallDay(dir, "4o50t100s1p100", 40));
  std::vector<QuantileForecast> placed = {{"x", Hour(1), 10, 10, 10, 10}, {"x", Hour(2), 40, 40, 40, 40}};
  PlannerSettings s;
  s.staffing.orders_per_courier_hour = 1;
  s.staffing.target_utilisation = 1;
  s.shift_lengths = {1};
  s.lag_minutes = 0;
  s.courier_hours_budget = 50;
  auto flat = PlanDay(a, placed, s);
  s.peak_exponent = 1;  // utilisation x (w / peak)^-1: the quiet hour is staffed at a quarter of the load
  auto peaked = PlanDay(a, placed, s);
  ASSERT_TRUE(flat.ok());
  ASSERT_TRUE(peaked.ok());
  EXPECT_EQ(flat->need[0].couriers, 10);
  EXPECT_EQ(flat->need[1].couriers, 40);
  EXPECT_LT(peaked->need[0].couriers, flat->need[0].couriers);
  EXPECT_GT(peaked->need[1].couriers, flat->need[1].couriers);
  EXPECT_LE(peaked->plan.courier_hours, 50);
}

TEST(StaffsimEvaluate, CompareNamesWhatGotWorse) {
  RunOutcome a, b;
  a.courier_hours = 10;
  a.metrics.click_to_door_mean = 30;
  a.metrics.click_to_door_p90 = 40;
  a.metrics.ready_to_pickup_mean = 2;
  b = a;
  EXPECT_TRUE(Compare(a, b).holds());
  b.courier_hours = 10.5;
  EXPECT_FALSE(Compare(a, b).fewer_or_equal_hours);
  EXPECT_TRUE(Compare(a, b).no_worse);
  b.courier_hours = 8;
  b.metrics.click_to_door_p90 = 41;
  b.metrics.undelivered_pct = 0.5;
  b.metrics.click_to_door_mean = 29;  // better: not listed
  const Verdict v = Compare(a, b);
  EXPECT_TRUE(v.fewer_or_equal_hours);
  EXPECT_FALSE(v.holds());
  EXPECT_EQ(v.worse_on, "undelivered,click-to-door p90");
}

RunOutcome Outcome(double hours, double undelivered, double c2d, double p90, double r2p) {
  RunOutcome r;
  r.courier_hours = hours;
  r.couriers = 3;
  r.metrics.undelivered_pct = undelivered;
  r.metrics.click_to_door_mean = c2d;
  r.metrics.click_to_door_p90 = p90;
  r.metrics.ready_to_pickup_mean = r2p;
  r.metrics.cost_per_order = 10;
  return r;
}

TEST(StaffsimEvaluate, SeedSummaryIsTheMeanAndTheRangeOverTheSeeds) {
  const auto s = SummariseSeeds({Outcome(10, 0, 30.0, 40, 2.0), Outcome(10, 0.5, 30.4, 41, 1.0), Outcome(10, 0, 30.2, 40, 1.5)});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->seeds, 3);
  EXPECT_DOUBLE_EQ(s->mean.courier_hours, 10);
  EXPECT_NEAR(s->mean.metrics.click_to_door_mean, 30.2, 1e-12);
  EXPECT_NEAR(s->mean.metrics.click_to_door_p90, 121.0 / 3, 1e-12);
  EXPECT_NEAR(s->mean.metrics.undelivered_pct, 0.5 / 3, 1e-12);
  EXPECT_NEAR(s->click_to_door_mean_range, 0.4, 1e-12);
  EXPECT_NEAR(s->click_to_door_p90_range, 1, 1e-12);
  EXPECT_NEAR(s->ready_to_pickup_range, 1, 1e-12);
  EXPECT_NEAR(s->undelivered_pct_range, 0.5, 1e-12);
  EXPECT_FALSE(SummariseSeeds({}).ok());
}

// The original's click-to-door mean over seeds 1-3 is 30.0, 30.4, 30.2: mean 30.2, range 0.4, so the plan
// may have a mean of up to 30.6. Its p90 is 40 on every seed: range 0, no tolerance at all there.
TEST(StaffsimEvaluate, SeedSpreadVerdictAllowsTheOriginalsOwnRangeAndNoMore) {
  const std::vector<RunOutcome> original = {Outcome(10, 0, 30.0, 40, 1.0), Outcome(10, 0, 30.4, 40, 1.2),
                                            Outcome(10, 0, 30.2, 40, 1.1)};
  // Inside: mean 30.5 <= 30.2 + 0.4, although every seed of the plan is worse than seed 1 of the original
  // (the strict verdict fails on it).
  const std::vector<RunOutcome> inside = {Outcome(9, 0, 30.5, 40, 1.0), Outcome(9, 0, 30.6, 40, 1.0),
                                          Outcome(9, 0, 30.4, 39, 1.0)};
  EXPECT_FALSE(Compare(original[0], inside[0]).no_worse);
  auto v = CompareWithSeedSpread(original, inside);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->holds()) << v->worse_on;
  // Outside: mean 30.7 > 30.6 on the click-to-door mean; the p90's mean 40.33 > 40 + 0 (a single whole
  // minute on one seed is beyond a spread of zero); ready-to-pickup 1.3 = 1.1 + 0.2 is still inside.
  const std::vector<RunOutcome> outside = {Outcome(9, 0, 30.7, 40, 1.3), Outcome(9, 0, 30.7, 41, 1.3),
                                           Outcome(9, 0, 30.7, 40, 1.3)};
  v = CompareWithSeedSpread(original, outside);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->fewer_or_equal_hours);
  EXPECT_FALSE(v->no_worse);
  EXPECT_EQ(v->worse_on, "click-to-door mean,click-to-door p90");
  // Undelivered: the original delivered everything on every seed, so one undelivered order is worse.
  std::vector<RunOutcome> lost = inside;
  lost[2].metrics.undelivered_pct = 0.3;
  v = CompareWithSeedSpread(original, lost);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->worse_on, "undelivered");
  // More hours than the original (mean over the seeds) fails the claim, not "no worse".
  std::vector<RunOutcome> more = inside;
  for (auto& r : more) r.courier_hours = 10.5;
  v = CompareWithSeedSpread(original, more);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->fewer_or_equal_hours);
  EXPECT_TRUE(v->no_worse);
  EXPECT_FALSE(v->holds());
  // One seed: no range, so the rule is the strict one.
  v = CompareWithSeedSpread({original[0]}, {inside[0]});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->worse_on, "click-to-door mean");
  // Unequal numbers of replays, or none, are refused.
  EXPECT_FALSE(CompareWithSeedSpread(original, {inside[0], inside[1]}).ok());
  EXPECT_FALSE(CompareWithSeedSpread({}, {}).ok());
}

int RunCli(const std::vector<std::string>& args, std::string* out, std::string* err) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  const int rc = EvaluateCommand(args);
  *out = ::testing::internal::GetCapturedStdout();
  *err = ::testing::internal::GetCapturedStderr();
  return rc;
}

TEST(StaffsimCli, UsageErrorsExitTwoAndMalformedInputOne) {
  std::string out, err;
  EXPECT_EQ(RunCli({}, &out, &err), 2);
  EXPECT_NE(err.find("give at least one INSTANCE_DIR"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--forecast", "magic"}, &out, &err), 2);
  EXPECT_NE(err.find("--forecast must be schedule or oracle"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--utilisation", "0.8,abc"}, &out, &err), 2);
  EXPECT_NE(err.find("--utilisation"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--bogus", "1"}, &out, &err), 2);
  EXPECT_NE(err.find("unknown flag --bogus"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--shift-lengths", "0"}, &out, &err), 2);
  EXPECT_EQ(RunCli({"x", "--reference"}, &out, &err), 2);
  EXPECT_EQ(RunCli({"x", "--level", "budget"}, &out, &err), 2);
  EXPECT_NE(err.find("--level must be schedule-hours or forecast"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--utilisation", "0.5"}, &out, &err), 2);
  EXPECT_NE(err.find("--level schedule-hours takes --hours-share"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--level", "forecast", "--hours-share", "0.9"}, &out, &err), 2);
  EXPECT_NE(err.find("--hours-share needs --level schedule-hours"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--hours-share", "0"}, &out, &err), 2);
  EXPECT_NE(err.find("--hours-share expects numbers"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--load-bands", "-1"}, &out, &err), 2);
  EXPECT_EQ(RunCli({"x", "--slot-minutes", "45"}, &out, &err), 2);
  EXPECT_NE(err.find("--slot-minutes is 60 or 30"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--shift-starts", "7-22"}, &out, &err), 2);
  EXPECT_NE(err.find("give --slot-minutes 60 with it"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"x", "--reference-days", "all"}, &out, &err), 2);
  EXPECT_NE(err.find("--reference-days must be tuning or earlier"), std::string::npos) << err;
  for (const char* bad : {"0", "21", "two", "2.5", "-1"}) {
    EXPECT_EQ(RunCli({"x", "--seeds", bad}, &out, &err), 2) << bad;
    EXPECT_NE(err.find("--seeds must be an integer in [1, 20], got '" + std::string(bad) + "'"),
              std::string::npos)
        << err;
  }
  EXPECT_EQ(RunCli({"x", "--seeds"}, &out, &err), 2);
  EXPECT_NE(err.find("--seeds needs a value"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"--help"}, &out, &err), 0);
  const fs::path dir = TempDir("cli_bad");
  const fs::path day = SmallDay(dir, "5o50t100s1p100", 5);
  Write(day / "couriers.txt", "courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t60\tlater\n");
  EXPECT_EQ(RunCli({day.string(), "--forecast", "oracle", "--out", (dir / "out").string()}, &out, &err), 1);
  EXPECT_NE(err.find("couriers.txt:2: off_time 'later' is not a number"), std::string::npos) << err;
  const fs::path late = SmallDay(dir, "4o50t100s1p100", 1);
  Write(late / "orders.txt",
        "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t0\t0\t1500\tr1\t1510\n");
  EXPECT_EQ(RunCli({late.string(), "--forecast", "oracle", "--out", (dir / "out").string()}, &out, &err), 1);
  EXPECT_NE(err.find("order o1 is placed 24 hours or more after time 0"), std::string::npos) << err;
  // The schedule forecast refuses the day's own base day as its only reference.
  const fs::path ok = SmallDay(dir, "6o50t100s1p100", 5);
  EXPECT_EQ(RunCli({ok.string(), "--reference", ok.string(), "--out", (dir / "out").string()}, &out, &err),
            2);
  EXPECT_NE(err.find("no reference day other than base day 6"), std::string::npos) << err;
}

TEST(StaffsimCli, EvaluatesASmallDayEndToEnd) {
  const fs::path dir = TempDir("cli_e2e");
  const fs::path day = SmallDay(dir, "8o50t100s1p100", 30);
  const fs::path ref = SmallDay(dir, "9o50t100s1p100", 20);
  const fs::path out = dir / "out";
  std::string o, e;
  ASSERT_EQ(RunCli({day.string(), "--reference", ref.string(), "--level", "forecast", "--utilisation", "0.5,1",
                    "--shift-lengths", "2,3", "--out", out.string(), "--quiet"},
                   &o, &e),
            0)
      << e;
  EXPECT_NE(o.find("original couriers"), std::string::npos) << o;
  EXPECT_NE(o.find("planned (schedule forecast, u=0.50)"), std::string::npos) << o;
  EXPECT_NE(o.find("planned (schedule forecast, u=1.00)"), std::string::npos) << o;
  EXPECT_TRUE(fs::exists(out / "8o50t100s1p100" / "original" / "solution_info_orders.txt"));
  EXPECT_TRUE(fs::exists(out / "8o50t100s1p100" / "planned-u0.50" / "couriers.txt"));
  // The default level: a share of the schedule's 6 courier-hours, placed by the forecast's shape.
  ASSERT_EQ(RunCli({day.string(), "--reference", ref.string(), "--hours-share", "1,0.5", "--shift-lengths",
                    "1,2", "--json", "--out", out.string(), "--quiet"},
                   &o, &e),
            0)
      << e;
  EXPECT_NE(o.find("\"level\":\"schedule-hours\",\"hours_share\":1.000"), std::string::npos) << o;
  EXPECT_NE(o.find("\"hours_share\":0.500"), std::string::npos) << o;
  EXPECT_NE(o.find("\"planned\":{\"courier_hours\":6.000"), std::string::npos) << o;
  EXPECT_NE(o.find("\"planned\":{\"courier_hours\":3.000"), std::string::npos) << o;
  ASSERT_EQ(RunCli({day.string(), "--reference", ref.string(), "--hours-share", "1,0.5", "--out", out.string(),
                    "--quiet"},
                   &o, &e),
            0)
      << e;
  EXPECT_NE(o.find("planned (schedule forecast shape, 1.00 x schedule hours)"), std::string::npos) << o;
  EXPECT_TRUE(fs::exists(out / "8o50t100s1p100" / "planned-h0.50" / "couriers.txt"));
  // JSON lines: original hours are the schedule's 6; utilisation 0.5 plans at least as many hours as 1.
  ASSERT_EQ(
      RunCli({day.string(), "--forecast", "oracle", "--json", "--out", out.string(), "--quiet"}, &o, &e), 0)
      << e;
  EXPECT_NE(o.find("\"forecast\":\"oracle\""), std::string::npos) << o;
  EXPECT_NE(o.find("\"original\":{\"courier_hours\":6.000,\"couriers\":2,\"feasible\":true,\"delivered\":30"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("\"planned\":{"), std::string::npos);
  // Three engine seeds by default: the strict verdict on the first, the seed-spread verdict on all three.
  EXPECT_NE(o.find("\"engine_seeds\":[1,2,3]"), std::string::npos) << o;
  EXPECT_NE(o.find("\"no_worse_spread\":"), std::string::npos) << o;
  EXPECT_TRUE(fs::exists(out / "8o50t100s1p100" / "original-seed3" / "solution_info_orders.txt"));
  EXPECT_TRUE(fs::exists(out / "8o50t100s1p100" / "planned-seed2" / "couriers.txt"));
  ASSERT_EQ(RunCli({day.string(), "--forecast", "oracle", "--seed", "4", "--seeds", "2", "--out", out.string(),
                    "--quiet"},
                   &o, &e),
            0)
      << e;
  EXPECT_NE(o.find("| original couriers (engine seed 4) |"), std::string::npos) << o;
  EXPECT_NE(o.find("strict: engine seed 4, every metric <= the original's |"), std::string::npos) << o;
  EXPECT_NE(o.find("| original couriers (mean of engine seeds 4-5) |"), std::string::npos) << o;
  EXPECT_NE(o.find("seed spread: mean of seeds 4-5 <= the original's mean + its seed range |"), std::string::npos)
      << o;
  EXPECT_TRUE(fs::exists(out / "8o50t100s1p100" / "original-seed5" / "solution_info_orders.txt"));
  // One seed: the strict verdict only.
  ASSERT_EQ(RunCli({day.string(), "--forecast", "oracle", "--seeds", "1", "--out", out.string(), "--quiet"}, &o,
                   &e),
            0)
      << e;
  EXPECT_NE(o.find("strict: engine seed 1"), std::string::npos) << o;
  EXPECT_EQ(o.find("seed spread"), std::string::npos) << o;
}

}  // namespace
}  // namespace hotpath::staffsim
