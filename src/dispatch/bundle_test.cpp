#include "dispatch/bundle.h"

#include <gtest/gtest.h>

namespace hotpath::dispatch {
namespace {

Snapshot TwoOrders() {
  Snapshot s;
  s.now = 0;
  s.service = {4 * kMinute, 4 * kMinute};
  // Restaurant at the origin; order 0 is 3200 m away (10 min), order 1 is 640 m away (2 min).
  s.orders.push_back({10, 1, {0, 0}, {3200, 0}, 0, 10 * kMinute, 40 * kMinute});
  s.orders.push_back({11, 1, {0, 0}, {640, 0}, 0, 12 * kMinute, 40 * kMinute});
  return s;
}

TEST(Bundle, DropsTheNearCustomerFirstAndUsesTheLatestReadyTime) {
  const Snapshot s = TwoOrders();
  const StraightLineTravelTimes travel(320.0);
  const Bundle b = MakeBundle(s, travel, {0, 1});
  ASSERT_EQ(b.orders, (std::vector<int>{1, 0}));
  EXPECT_EQ(b.ready, 12 * kMinute);
  // Leave the restaurant 2 min after pickup, drive 2 min, drop at +2 service half = 6 min;
  // leave 2 min later, drive 8 min (2560 m), drop 2 min after arrival = 18 min.
  EXPECT_EQ(b.offsets, (std::vector<Seconds>{6 * kMinute, 18 * kMinute}));
  EXPECT_EQ(b.tail, 20 * kMinute);
}

TEST(Bundle, PickupWaitsForReadyTimeAndRespectsShiftEnd) {
  const Snapshot s = TwoOrders();
  const StraightLineTravelTimes travel(320.0);
  const Bundle b = MakeBundle(s, travel, {0});
  CourierState near{7, {320, 0}, 0, 60 * kMinute, 0};  // 1 min away
  auto t = TimeBundle(s, travel, b, near);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->arrive, 1 * kMinute);
  EXPECT_EQ(t->pickup, 10 * kMinute);  // waits for ready
  EXPECT_EQ(t->latest_depart, 10 * kMinute - 3 * kMinute);
  CourierState far{8, {32000, 0}, 0, 60 * kMinute, 0};  // 100 min away
  EXPECT_FALSE(TimeBundle(s, travel, b, far).has_value());
  CourierState busy{9, {320, 0}, 30 * kMinute, 60 * kMinute, 0};
  t = TimeBundle(s, travel, b, busy);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pickup, 33 * kMinute);  // free at 30, 1 min drive, 2 min half service
}

TEST(Bundle, CostGrowsWithLatePickup) {
  const Snapshot s = TwoOrders();
  const StraightLineTravelTimes travel(320.0);
  const Options opt;
  const Bundle b = MakeBundle(s, travel, {0});
  CourierState early{1, {320, 0}, 0, 100 * kMinute, 0};
  CourierState late{2, {320, 0}, 30 * kMinute, 100 * kMinute, 0};
  const Cost c_early = BundleCost(s, opt, b, early, *TimeBundle(s, travel, b, early));
  const Cost c_late = BundleCost(s, opt, b, late, *TimeBundle(s, travel, b, late));
  EXPECT_LT(c_early, c_late);
}

}  // namespace
}  // namespace hotpath::dispatch
