#include "dispatch/reposition.h"

#include <gtest/gtest.h>

namespace hotpath::dispatch {
namespace {

const StraightLineTravelTimes kTravel(320.0);  // 320 m = 1 minute

// Restaurants on a line, 1 km apart: x = 0, 1000, ..., 6000 (3-4 minutes between neighbours).
std::vector<DemandSite> Line(double weight_at_6km) {
  std::vector<DemandSite> sites;
  for (int i = 0; i <= 6; ++i) sites.push_back({i, {1000.0 * i, 0}, i == 6 ? weight_at_6km : 0.0});
  return sites;
}

SiteTimes TimesOf(const std::vector<DemandSite>& sites) {
  std::vector<Point> p;
  for (const auto& s : sites) p.push_back(s.location);
  return SiteTimes(p, kTravel);
}

CoverageCourier Idle(CourierId id, Point at) { return {id, at, 0, true, {}}; }

TEST(Reposition, IdleCourierMovesTowardDemandWithinTheHopLimit) {
  const auto sites = Line(5.0);
  const SiteTimes times = TimesOf(sites);
  RepositionOptions opt;
  opt.max_hop = 10 * kMinute;
  const auto moves = PlanRepositioning(0, sites, times, {Idle(1, {0, 0})}, kTravel, opt);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].courier, 1);
  // 6 km is 19 minutes away: the best site within 10 minutes is 3 km (10 min), not the demand itself.
  EXPECT_EQ(moves[0].site, 3);
  EXPECT_EQ(moves[0].travel, 10 * kMinute);
}

TEST(Reposition, NoMoveWithoutDemandOrWhenAlreadyCovering) {
  const SiteTimes times = TimesOf(Line(0));
  EXPECT_TRUE(PlanRepositioning(0, Line(0), times, {Idle(1, {0, 0})}, kTravel, {}).empty());
  // A courier next to the demand gains nothing by moving (it may not stand on the restaurant itself).
  EXPECT_TRUE(PlanRepositioning(0, Line(5.0), times, {Idle(1, {6100, 0})}, kTravel, {}).empty());
}

TEST(Reposition, BusyAndUnmovableCouriersCountButStay) {
  const auto sites = Line(5.0);
  const SiteTimes times = TimesOf(sites);
  // A courier finishing a route next to the demand in 2 minutes already covers it.
  CoverageCourier busy{2, {6100, 0}, 2 * kMinute, false, {}};
  EXPECT_TRUE(PlanRepositioning(0, sites, times, {Idle(1, {0, 0}), busy}, kTravel, {}).empty());
  CoverageCourier planned = Idle(1, {0, 0});
  planned.movable = false;
  EXPECT_TRUE(PlanRepositioning(0, sites, times, {planned}, kTravel, {}).empty());
}

TEST(Reposition, NeverMovesToABlockedSiteNorCountsItAsCovered) {
  auto sites = Line(5.0);
  const SiteTimes times = TimesOf(sites);
  RepositionOptions opt;
  opt.max_hop = 30 * kMinute;
  // 3, 4 and 5 km all put the courier 10 minutes from the demand once the lookahead has passed; the
  // shortest hop wins (it never stands on the demand site itself: it could not pick up there next).
  auto moves = PlanRepositioning(0, sites, times, {Idle(1, {0, 0})}, kTravel, opt);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].site, 3);
  CoverageCourier c = Idle(1, {0, 0});
  c.blocked_sites = {3};
  moves = PlanRepositioning(0, sites, times, {c}, kTravel, opt);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].site, 4);
  // A courier that cannot serve the only demand site is never moved for it.
  c.blocked_sites = {6};
  EXPECT_TRUE(PlanRepositioning(0, sites, times, {c}, kTravel, opt).empty());
}

TEST(Reposition, TwoCouriersSplitBetweenTwoDemandSites) {
  std::vector<DemandSite> sites = {{0, {0, 0}, 3.0}, {1, {100, 0}, 0}, {2, {6000, 0}, 3.0}, {3, {6100, 0}, 0},
                                   {4, {3000, 0}, 0}};
  const SiteTimes times = TimesOf(sites);
  RepositionOptions opt;
  opt.max_hop = 30 * kMinute;
  const auto moves =
      PlanRepositioning(0, sites, times, {Idle(1, {3000, 100}), Idle(2, {3000, -100})}, kTravel, opt);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].courier, 1);
  EXPECT_EQ(moves[0].site, 1);  // next to the demand at 0
  EXPECT_EQ(moves[1].courier, 2);
  EXPECT_EQ(moves[1].site, 3);  // next to the demand at 6 km
  // Deterministic.
  const auto again =
      PlanRepositioning(0, sites, times, {Idle(1, {3000, 100}), Idle(2, {3000, -100})}, kTravel, opt);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].site, moves[0].site);
  EXPECT_EQ(again[1].site, moves[1].site);
}

}  // namespace
}  // namespace hotpath::dispatch
