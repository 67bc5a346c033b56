#include "dispatch/candidate_finder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace hotpath::dispatch {
namespace {

TEST(CandidateFinder, GridSearchReturnsExactlyTheCheapestCouriers) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> xy(0, 15000);
  const StraightLineTravelTimes travel(300.0);
  Options opt;
  for (int trial = 0; trial < 20; ++trial) {
    opt.discount_after_shift = trial % 2 == 0;  // shift ends below make the discount matter
    Snapshot s;
    s.now = 50 * kMinute;
    for (int o = 0; o < 30; ++o) {
      const Point r{xy(rng), xy(rng)};
      s.orders.push_back({o,
                          o,
                          r,
                          {xy(rng), xy(rng)},
                          s.now - 10 * kMinute,
                          s.now + static_cast<TimePoint>(rng() % 30) * kMinute,
                          s.now + 30 * kMinute});
    }
    std::vector<int> idx;
    for (int c = 0; c < 300; ++c) {
      s.couriers.push_back({c,
                            {xy(rng), xy(rng)},
                            s.now + static_cast<TimePoint>(rng() % 4) * 10 * kMinute,
                            s.now + static_cast<TimePoint>(30 + rng() % 120) * kMinute,
                            static_cast<Cost>(rng() % 2) * 3.0});
      idx.push_back(c);
    }
    const CandidateFinder finder(s, travel, opt, idx);
    for (int o = 0; o < 30; ++o) {
      const Bundle b = MakeBundle(s, travel, {o});
      std::vector<Candidate> all;
      for (int c : idx) {
        if (auto cost = finder.CostOf(b, c)) all.push_back({c, *cost});
      }
      std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
        return a.cost != b.cost ? a.cost < b.cost : a.courier < b.courier;
      });
      all.resize(std::min<size_t>(all.size(), 12));
      const auto got = finder.Find(b, 12);
      ASSERT_EQ(got.size(), all.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].courier, all[i].courier) << "trial " << trial << " order " << o << " rank " << i;
        EXPECT_DOUBLE_EQ(got[i].cost, all[i].cost);
      }
    }
  }
}

TEST(CandidateFinder, FarRestaurantAndCouriersOnOnePointStayCheap) {
  // All couriers on one spot make a one-metre grid; a restaurant 70 km away must not scan empty rings.
  const StraightLineTravelTimes travel(300.0);
  Snapshot s;
  s.now = 0;
  s.orders.push_back({1, 1, {50000, 50000}, {50100, 50000}, 0, 10 * kMinute, 40 * kMinute});
  std::vector<int> idx;
  for (int c = 0; c < 3; ++c) {
    s.couriers.push_back({c, {0, 0}, 0, 1000 * kMinute, 0});
    idx.push_back(c);
  }
  const Options opt;
  const CandidateFinder finder(s, travel, opt, idx);
  const auto got = finder.Find(MakeBundle(s, travel, {0}), 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].courier, 0);
  EXPECT_EQ(got[1].courier, 1);
}

}  // namespace
}  // namespace hotpath::dispatch
