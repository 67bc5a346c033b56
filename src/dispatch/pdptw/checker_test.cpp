#include "dispatch/pdptw/checker.h"

#include <gtest/gtest.h>

#include "dispatch/pdptw/test_data.h"

namespace hotpath::dispatch::pdptw {
namespace {

// Depot at the origin; request A = 1 -> 2, request B = 3 -> 4; capacity 10.
constexpr const char* kTwoRequests =
    "2 10 1\n"
    "0 0 0 0 0 1000 0 0 0\n"
    "1 10 0 6 0 1000 0 0 2\n"
    "2 20 0 -6 0 1000 0 1 0\n"
    "3 0 10 6 0 1000 0 0 4\n"
    "4 0 20 -6 0 30 0 3 0\n";

Instance TwoRequests() {
  auto inst = ParseInstance(kTwoRequests, "two.txt");
  EXPECT_TRUE(inst.ok()) << inst.error().message;
  return inst.value();
}

TEST(PdptwChecker, AcceptsFeasibleSolutionAndMeasuresIt) {
  Instance inst = TwoRequests();
  CheckReport rep = CheckSolution(inst, Solution{{{1, 2}, {3, 4}}});
  EXPECT_TRUE(rep.feasible) << (rep.errors.empty() ? "" : rep.errors[0]);
  EXPECT_EQ(rep.vehicles, 2);
  EXPECT_DOUBLE_EQ(rep.distance, 80.0);
}

TEST(PdptwChecker, RejectsDeliveryBeforePickup) {
  CheckReport rep = CheckSolution(TwoRequests(), Solution{{{2, 1}, {3, 4}}});
  EXPECT_FALSE(rep.feasible);
}

TEST(PdptwChecker, RejectsPickupAndDeliveryOnDifferentRoutes) {
  CheckReport rep = CheckSolution(TwoRequests(), Solution{{{1, 4}, {3, 2}}});
  EXPECT_FALSE(rep.feasible);
}

TEST(PdptwChecker, RejectsCapacityOverflow) {
  // Both pickups first: load 12 > 10.
  CheckReport rep = CheckSolution(TwoRequests(), Solution{{{1, 3, 2, 4}}});
  EXPECT_FALSE(rep.feasible);
  EXPECT_NE(rep.errors[0].find("load"), std::string::npos);
}

TEST(PdptwChecker, RejectsLateService) {
  // 1 -> 2 -> 3 -> 4 reaches node 4 at 20 + 22.4 + 10 > 30.
  CheckReport rep = CheckSolution(TwoRequests(), Solution{{{1, 2, 3, 4}}});
  EXPECT_FALSE(rep.feasible);
  EXPECT_NE(rep.errors[0].find("window"), std::string::npos);
}

TEST(PdptwChecker, RejectsMissingAndDuplicateRequests) {
  EXPECT_FALSE(CheckSolution(TwoRequests(), Solution{{{1, 2}}}).feasible);
  EXPECT_FALSE(CheckSolution(TwoRequests(), Solution{{{1, 2}, {3, 4}, {1, 2}}}).feasible);
  EXPECT_FALSE(CheckSolution(TwoRequests(), Solution{{{1, 2}, {3, 4, 9}}}).feasible);
}

TEST(PdptwChecker, RejectsLateReturnToDepot) {
  // Each request alone returns by 40; together the route is back at 72 > 60.
  auto inst = ParseInstance(
      "2 10 1\n0 0 0 0 0 60 0 0 0\n1 10 0 1 0 1000 0 0 2\n2 20 0 -1 0 1000 0 1 0\n"
      "3 0 10 1 0 1000 0 0 4\n4 0 20 -1 0 1000 0 3 0\n",
      "late.txt");
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  EXPECT_TRUE(CheckSolution(inst.value(), Solution{{{1, 2}, {3, 4}}}).feasible);
  CheckReport rep = CheckSolution(inst.value(), Solution{{{1, 2, 3, 4}}});
  EXPECT_FALSE(rep.feasible);
  EXPECT_NE(rep.errors[0].find("depot"), std::string::npos);
}

TEST(PdptwChecker, RejectsBrokenRealSolution) {
  auto inst = LoadInstance(testing::LiLimPath("li_lim_100", "lc101"));
  ASSERT_TRUE(inst.ok());
  Solution one_per_route;
  for (NodeId p : inst.value().pickups) one_per_route.routes.push_back({p, inst.value().DeliveryOf(p)});
  EXPECT_TRUE(CheckSolution(inst.value(), one_per_route).feasible);
  std::swap(one_per_route.routes[3][0], one_per_route.routes[3][1]);
  EXPECT_FALSE(CheckSolution(inst.value(), one_per_route).feasible);
}

TEST(PdptwSolutionFormat, RoundTripsSintefText) {
  Instance inst = TwoRequests();
  inst.name = "two";
  Solution sol{{{1, 2}, {3, 4}}};
  std::string text = FormatSintef(inst, sol);
  EXPECT_NE(text.find("Route 1 : 1 2\n"), std::string::npos);
  auto back = ParseSintef(text, "sol.txt");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value().routes, sol.routes);
  EXPECT_FALSE(ParseSintef("Route 1 : 1 x\n", "sol.txt").ok());
}

}  // namespace
}  // namespace hotpath::dispatch::pdptw
