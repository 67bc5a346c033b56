#include "dispatch/engine.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace hotpath::dispatch {
namespace {

const StraightLineTravelTimes kTravel(320.0);

OpenOrder MakeOrder(OrderId id, RestaurantId r, Point rest, Point drop, TimePoint placed, TimePoint ready) {
  return {id, r, rest, drop, placed, ready, placed + 40 * kMinute};
}

TEST(Engine, CommitsWhenTheCourierMustLeaveNow) {
  Snapshot s;
  s.now = 10 * kMinute;
  // Courier 3200 m (10 min) away; order ready at 22 min: leaving at 10 arrives 20, pickup 22.
  s.orders.push_back(MakeOrder(1, 5, {0, 0}, {640, 0}, 0, 22 * kMinute));
  s.couriers.push_back({7, {3200, 0}, 0, 120 * kMinute, 0});
  const Plan p = Solve(s, kTravel, Options{}, Deadline::Never());
  ASSERT_EQ(p.committed.size(), 1u);
  const Assignment& a = p.committed[0];
  EXPECT_EQ(a.courier, 7);
  EXPECT_EQ(a.orders, (std::vector<OrderId>{1}));
  EXPECT_EQ(a.depart, 10 * kMinute);
  EXPECT_EQ(a.pickup, 22 * kMinute);
  EXPECT_EQ(a.dropoffs, (std::vector<TimePoint>{28 * kMinute}));  // +2 leave, +2 drive, +2 half service
  EXPECT_EQ(a.free_at, 30 * kMinute);
  EXPECT_FALSE(a.reason.empty());
}

TEST(Engine, GivesAnEqualTripToTheCourierGoingOffDuty) {
  Snapshot s;
  s.now = 10 * kMinute;
  // Both couriers are 10 min away; the order is picked up at 22 min and dropped 6 min later. Courier 8 goes
  // off duty at 23 min: the drop-off route after that costs no capacity, courier 7 stays for later orders.
  s.orders.push_back(MakeOrder(1, 5, {0, 0}, {640, 0}, 0, 22 * kMinute));
  s.couriers.push_back({7, {3200, 0}, 0, 240 * kMinute, 0});
  s.couriers.push_back({8, {0, 3200}, 0, 23 * kMinute, 0});
  Plan p = Solve(s, kTravel, Options{}, Deadline::Never());
  ASSERT_EQ(p.committed.size(), 1u);
  EXPECT_EQ(p.committed[0].courier, 8);
  Options counted;
  counted.discount_after_shift = false;  // an exact tie: the lower index wins
  p = Solve(s, kTravel, counted, Deadline::Never());
  ASSERT_EQ(p.committed.size(), 1u);
  EXPECT_EQ(p.committed[0].courier, 7);
}

TEST(Engine, PostponesWhileTheCourierCanStillLeaveLater) {
  Snapshot s;
  s.now = 0;
  s.orders.push_back(MakeOrder(1, 5, {0, 0}, {640, 0}, 0, 30 * kMinute));
  s.couriers.push_back({7, {320, 0}, 0, 120 * kMinute, 0});
  const Plan p = Solve(s, kTravel, Options{}, Deadline::Never());
  EXPECT_TRUE(p.committed.empty());
  ASSERT_EQ(p.tentative.size(), 1u);
  ASSERT_EQ(p.postponed.size(), 1u);
  EXPECT_EQ(p.postponed[0].order, 1);
  EXPECT_NE(p.postponed[0].reason.find("postponed"), std::string::npos);
}

TEST(Engine, BundlesOrdersOfOneRestaurantWhenCouriersAreShort) {
  Snapshot s;
  s.now = 10 * kMinute;
  for (int i = 0; i < 2; ++i) {
    s.orders.push_back(MakeOrder(i, 5, {0, 0}, {640.0 + 100 * i, 0}, 0, 13 * kMinute));
  }
  s.couriers.push_back({7, {320, 0}, 0, 120 * kMinute, 0});  // the only courier
  const Plan p = Solve(s, kTravel, Options{}, Deadline::Never());
  ASSERT_EQ(p.committed.size(), 1u);
  EXPECT_EQ(p.committed[0].orders.size(), 2u);
}

TEST(Engine, OldOrdersAreServedBeforeNewOnesUnderShortage) {
  Snapshot s;
  s.now = 30 * kMinute;
  s.orders.push_back(MakeOrder(1, 5, {0, 0}, {640, 0}, 29 * kMinute, 20 * kMinute));  // new
  s.orders.push_back(MakeOrder(2, 6, {20000, 0}, {20640, 0}, 0, 20 * kMinute));       // old, other restaurant
  s.couriers.push_back({7, {10000, 0}, 0, 120 * kMinute, 0});
  const Plan p = Solve(s, kTravel, Options{}, Deadline::Never());
  ASSERT_EQ(p.committed.size(), 1u);
  EXPECT_EQ(p.committed[0].orders, (std::vector<OrderId>{2}));
}

TEST(Engine, NeverPicksUpWhereTheCourierMayNot) {
  Snapshot s;
  s.now = 10 * kMinute;
  s.orders.push_back(MakeOrder(1, 5, {0, 0}, {640, 0}, 0, 12 * kMinute));
  CourierState near{7, {0, 0}, 0, 120 * kMinute, 0};  // standing at the restaurant after a repositioning move
  near.no_pickup_at = {5};
  s.couriers.push_back(near);
  s.couriers.push_back({8, {3200, 0}, 0, 120 * kMinute, 0});  // 10 minutes away
  Plan p = Solve(s, kTravel, Options{}, Deadline::Never());
  ASSERT_EQ(p.committed.size(), 1u);
  EXPECT_EQ(p.committed[0].courier, 8);
  s.couriers.pop_back();  // nobody else: the order waits
  p = Solve(s, kTravel, Options{}, Deadline::Never());
  EXPECT_TRUE(p.committed.empty());
  EXPECT_TRUE(p.tentative.empty());
  ASSERT_EQ(p.postponed.size(), 1u);
}

Snapshot RandomSnapshot(std::uint64_t seed, int orders, int couriers) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> xy(0, 8000);
  Snapshot s;
  s.now = 100 * kMinute;
  const int restaurants = std::max(1, orders / 3);
  std::vector<Point> rest;
  for (int r = 0; r < restaurants; ++r) rest.push_back({xy(rng), xy(rng)});
  for (int o = 0; o < orders; ++o) {
    const int r = static_cast<int>(rng() % static_cast<std::uint64_t>(restaurants));
    const TimePoint placed = s.now - static_cast<TimePoint>(rng() % 20) * kMinute;
    s.orders.push_back(MakeOrder(o, r, rest[static_cast<size_t>(r)], {xy(rng), xy(rng)}, placed,
                                 placed + static_cast<TimePoint>(5 + rng() % 20) * kMinute));
  }
  for (int c = 0; c < couriers; ++c) {
    s.couriers.push_back({c,
                          {xy(rng), xy(rng)},
                          s.now + static_cast<TimePoint>(rng() % 3) * 5 * kMinute,
                          s.now + 120 * kMinute,
                          0});
  }
  return s;
}

TEST(Engine, CommittedAssignmentsAreDisjointAndDeterministic) {
  const Snapshot s = RandomSnapshot(3, 60, 25);
  Options opt;
  opt.seed = 11;
  const Plan a = Solve(s, kTravel, opt, Deadline::Never());
  const Plan b = Solve(s, kTravel, opt, Deadline::Never());
  ASSERT_FALSE(a.committed.empty());
  std::set<CourierId> couriers;
  std::set<OrderId> orders;
  for (const Assignment& x : a.committed) {
    EXPECT_TRUE(couriers.insert(x.courier).second) << "courier used twice";
    for (OrderId o : x.orders) EXPECT_TRUE(orders.insert(o).second) << "order used twice";
    EXPECT_GE(x.depart, s.now);
    EXPECT_GE(x.pickup, x.arrive_restaurant + s.service.pickup / 2);
  }
  ASSERT_EQ(a.committed.size(), b.committed.size());
  for (size_t i = 0; i < a.committed.size(); ++i) {
    EXPECT_EQ(a.committed[i].courier, b.committed[i].courier);
    EXPECT_EQ(a.committed[i].orders, b.committed[i].orders);
  }
  // Every open order is either committed or explained.
  EXPECT_EQ(orders.size() + a.postponed.size(), s.orders.size());
}

TEST(Engine, ScarcityEstimateFollowsCourierSupply) {
  const Snapshot many = RandomSnapshot(4, 40, 200);
  const Snapshot few = RandomSnapshot(4, 40, 3);
  const Plan a = Solve(many, kTravel, Options{}, Deadline::Never());
  const Plan b = Solve(few, kTravel, Options{}, Deadline::Never());
  EXPECT_LT(a.stats.scarcity, Options{}.scarcity_low);
  EXPECT_GT(b.stats.scarcity, Options{}.scarcity_high);
  // Short of couriers, orders of one restaurant travel together more often.
  EXPECT_LT(b.stats.bundles, static_cast<int>(few.orders.size()));
}

TEST(Engine, ExpiredDeadlineStillReturnsAFeasiblePlan) {
  const Snapshot s = RandomSnapshot(5, 200, 80);
  const Plan p = Solve(s, kTravel, Options{}, Deadline(Deadline::Clock::now()));
  EXPECT_TRUE(p.stats.deadline_hit);
  std::set<CourierId> couriers;
  for (const Assignment& x : p.committed) EXPECT_TRUE(couriers.insert(x.courier).second);
}

}  // namespace
}  // namespace hotpath::dispatch
