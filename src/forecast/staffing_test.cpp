#include "forecast/staffing.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

namespace hotpath::forecast {
namespace {

std::vector<HourNeed> Need(const std::vector<int>& couriers, int first_hour = 0) {
  std::vector<HourNeed> out;
  const Timestamp day = *ParseTimestamp("2024-05-01");
  for (size_t i = 0; i < couriers.size(); ++i) {
    out.push_back(HourNeed{day + std::chrono::hours(first_hour + static_cast<int>(i)), 0, couriers[i]});
  }
  return out;
}

// Exhaustive search over shift counts (tiny instances only) for the minimum courier-hours.
long BruteForce(const std::vector<HourNeed>& need, const std::vector<ShiftType>& types, int max_each) {
  struct Arc {
    int start, end, len;
  };
  std::vector<Arc> arcs;
  for (size_t a = 0; a < need.size(); ++a) {
    for (const auto& t : types) {
      if (HourOfDay(need[a].hour) == t.start_hour) {
        arcs.push_back({static_cast<int>(a),
                        std::min(static_cast<int>(need.size()), static_cast<int>(a) + t.length_hours),
                        t.length_hours});
      }
    }
  }
  long best = -1;
  std::vector<int> count(arcs.size(), 0);
  std::function<void(size_t)> rec = [&](size_t i) {
    if (i == arcs.size()) {
      std::vector<int> on(need.size(), 0);
      long hours = 0;
      for (size_t k = 0; k < arcs.size(); ++k) {
        hours += static_cast<long>(count[k]) * arcs[k].len;
        for (int h = arcs[k].start; h < arcs[k].end; ++h) on[static_cast<size_t>(h)] += count[k];
      }
      for (size_t h = 0; h < need.size(); ++h) {
        if (on[h] < need[h].couriers) return;
      }
      if (best < 0 || hours < best) best = hours;
      return;
    }
    for (int c = 0; c <= max_each; ++c) {
      count[i] = c;
      rec(i + 1);
    }
    count[i] = 0;
  };
  rec(0);
  return best;
}

TEST(StaffingTest, CouriersFromServiceLevelQuantile) {
  QuantileForecast f;
  f.q10 = 4;
  f.q50 = 8;
  f.q90 = 16;
  EXPECT_DOUBLE_EQ(DemandAtServiceLevel(f, 0.5), 8);
  EXPECT_DOUBLE_EQ(DemandAtServiceLevel(f, 0.7), 12);
  EXPECT_DOUBLE_EQ(DemandAtServiceLevel(f, 0.99), 16);
  StaffingParams params;  // 2.5 orders/courier-hour at 80% -> 2 orders per paid hour
  auto need = CouriersNeeded({f}, params);
  ASSERT_TRUE(need.ok());
  EXPECT_EQ((*need)[0].couriers, 8);  // 16 orders at the 90% quantile / 2
  params.service_level = 0.5;
  EXPECT_EQ((*CouriersNeeded({f}, params))[0].couriers, 4);
  params.min_couriers = 5;
  EXPECT_EQ((*CouriersNeeded({f}, params))[0].couriers, 5);
  params.target_utilisation = 0;
  EXPECT_FALSE(CouriersNeeded({f}, params).ok());
}

TEST(StaffingTest, LunchAndDinnerPeaksHandComputed) {
  // 10:00-21:00: lunch peak of 3 at 12-13, dinner peak of 4 at 18-20.
  const auto need = Need({1, 1, 3, 3, 1, 1, 1, 1, 4, 4, 4, 2}, 10);
  const std::vector<ShiftType> types = {{10, 4}, {12, 2}, {14, 4}, {18, 4}, {17, 4}};
  auto plan = PlanShifts(need, types);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(PlanCovers(*plan, need));
  // 1x10-14 + 2x12-14 + 1x14-18 + 4x18-22 (the 21:00 hour is the plan's end; the shift is paid in full)
  EXPECT_EQ(plan->courier_hours, 4 + 4 + 4 + 16);
  EXPECT_EQ(plan->courier_hours, BruteForce(need, types, 4));
}

TEST(StaffingTest, MatchesBruteForceOnRandomSmallInstances) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> demand(0, 3);
  for (int trial = 0; trial < 25; ++trial) {
    std::vector<int> couriers(8);
    for (auto& c : couriers) c = demand(rng);
    const auto need = Need(couriers, 8);
    const std::vector<ShiftType> types = {{8, 3}, {9, 4}, {11, 2}, {12, 4}, {13, 3}};
    auto plan = PlanShifts(need, types);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_TRUE(PlanCovers(*plan, need));
    EXPECT_EQ(plan->courier_hours, BruteForce(need, types, 3)) << "trial " << trial;
  }
}

TEST(StaffingTest, UncoverableHourIsAnError) {
  const auto need = Need({0, 2, 1}, 8);
  auto plan = PlanShifts(need, {{10, 4}});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kInfeasible);
  EXPECT_NE(plan.error().message.find("09:00"), std::string::npos);
}

}  // namespace
}  // namespace hotpath::forecast
