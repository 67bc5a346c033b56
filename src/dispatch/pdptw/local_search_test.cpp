#include "dispatch/pdptw/local_search.h"

#include <gtest/gtest.h>

#include "dispatch/pdptw/checker.h"

namespace hotpath::dispatch::pdptw {
namespace {

// Two requests whose pickups sit side by side, as do their deliveries.
constexpr const char* kSideBySide =
    "2 10 1\n"
    "0 0 0 0 0 1000 0 0 0\n"
    "1 10 0 2 0 1000 0 0 2\n"
    "2 10 20 -2 0 1000 0 1 0\n"
    "3 11 0 2 0 1000 0 0 4\n"
    "4 11 20 -2 0 1000 0 3 0\n";

Plan PlanWith(const Instance& inst, const std::vector<NodeId>& customers) {
  Plan plan(&inst, 1);
  for (NodeId p : inst.pickups) {
    Insertion ins = BestInsertion(inst, plan.route(0), p);
    ins.route = 0;
    plan.Insert(p, ins);
  }
  plan.SetSequence(0, customers);
  return plan;
}

TEST(PdptwLocalSearch, RelocatesNodeToShortenRoute) {
  auto inst = ParseInstance(kSideBySide, "side.txt");
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  Plan plan = PlanWith(inst.value(), {1, 2, 3, 4});
  const Distance before = plan.TotalDistance();
  EXPECT_TRUE(RelocateWithinRoutes(plan));
  EXPECT_LT(plan.TotalDistance(), before - 30);
  EXPECT_TRUE(CheckSolution(inst.value(), plan.ToSolution()).feasible);
  EXPECT_FALSE(RelocateWithinRoutes(plan));  // a local optimum stays put
}

TEST(PdptwLocalSearch, NeverMovesADeliveryBeforeItsPickup) {
  // Deliveries next to the depot: the shortest order would put them first, which is not allowed.
  auto inst = ParseInstance(
      "2 10 1\n0 0 0 0 0 1000 0 0 0\n1 30 0 2 0 1000 0 0 2\n2 1 0 -2 0 1000 0 1 0\n"
      "3 31 0 2 0 1000 0 0 4\n4 2 0 -2 0 1000 0 3 0\n",
      "prec.txt");
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  Plan plan = PlanWith(inst.value(), {1, 2, 3, 4});
  RelocateWithinRoutes(plan);
  CheckReport rep = CheckSolution(inst.value(), plan.ToSolution());
  EXPECT_TRUE(rep.feasible) << rep.errors.front();
  EXPECT_NEAR(rep.distance, 62.0, 1e-9);  // 0 -> 30 -> 31 -> 2 -> 1 -> 0
}

}  // namespace
}  // namespace hotpath::dispatch::pdptw
