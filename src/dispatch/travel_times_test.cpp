#include "dispatch/travel_times.h"

#include <gtest/gtest.h>

namespace hotpath::dispatch {
namespace {

TEST(StraightLineTravelTimes, RoundsUpToWholeMinutesLikeTheBenchmark) {
  const StraightLineTravelTimes t(320.0);
  EXPECT_EQ(t.Between({0, 0}, {0, 0}), 0);
  EXPECT_EQ(t.Between({0, 0}, {640, 0}), 2 * kMinute);    // exactly two minutes
  EXPECT_EQ(t.Between({0, 0}, {641, 0}), 3 * kMinute);    // a metre more costs a minute
  EXPECT_EQ(t.Between({0, 0}, {300, 400}), 2 * kMinute);  // 500 m
  EXPECT_EQ(t.Between({300, 400}, {0, 0}), t.Between({0, 0}, {300, 400}));
}

TEST(StraightLineTravelTimes, SecondRoundingIsFiner) {
  const StraightLineTravelTimes t(300.0, StraightLineTravelTimes::Rounding::kRoundUpToSecond);
  EXPECT_EQ(t.Between({0, 0}, {300, 0}), 60);
  EXPECT_EQ(t.Between({0, 0}, {305, 0}), 61);
}

}  // namespace
}  // namespace hotpath::dispatch
