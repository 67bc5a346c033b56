#include "dispatch/pdptw/solver.h"

#include <gtest/gtest.h>

#include "dispatch/pdptw/checker.h"
#include "dispatch/pdptw/test_data.h"

namespace hotpath::dispatch::pdptw {
namespace {

constexpr int64_t kIterations = 3000;

SolveOptions FixedOptions(uint64_t seed) {
  SolveOptions opts;
  // The iteration cap decides; the time limit is only a safety net, generous so that a loaded
  // machine (ctest -j on shared cores) cannot cut one run shorter than the other.
  opts.time_limit = std::chrono::duration<double>(60.0);
  opts.seed = seed;
  opts.max_iterations = kIterations;
  return opts;
}

Instance Load(const std::string& name) {
  auto loaded = LoadInstance(testing::LiLimPath("li_lim_100", name));
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
  return loaded.value();
}

class PdptwSolverOnLiLim : public ::testing::TestWithParam<const char*> {};

TEST_P(PdptwSolverOnLiLim, ProducesFeasibleSolutionServingEveryRequest) {
  Instance inst = Load(GetParam());
  Solution sol = Solve(inst, FixedOptions(7));
  CheckReport rep = CheckSolution(inst, sol);
  EXPECT_TRUE(rep.feasible) << rep.errors.front();
  EXPECT_GE(rep.vehicles, 1);
  EXPECT_NEAR(rep.distance, TotalDistance(inst, sol), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Instances, PdptwSolverOnLiLim, ::testing::Values("lc101", "lr201", "lrc104"));

TEST(PdptwSolver, ReachesKnownOptimumOnLc101) {
  // lc101's optimum (10 vehicles, 828.94) is found by any decent PDPTW heuristic.
  Instance inst = Load("lc101");
  Solution sol = Solve(inst, FixedOptions(3));
  CheckReport rep = CheckSolution(inst, sol);
  ASSERT_TRUE(rep.feasible);
  EXPECT_EQ(rep.vehicles, 10);
  EXPECT_LT(rep.distance, 828.94 * 1.01);
}

TEST(PdptwSolver, SameSeedSameIterationsSameSolution) {
  Instance inst = Load("lrc104");
  Solution a = Solve(inst, FixedOptions(5));
  Solution b = Solve(inst, FixedOptions(5));
  EXPECT_EQ(a.routes, b.routes);
}

TEST(PdptwSolver, ImprovesOnConstructionInVehicles) {
  Instance inst = Load("lr101");
  SolveStats stats;
  Solution sol = Solve(inst, FixedOptions(9), &stats);
  ASSERT_TRUE(CheckSolution(inst, sol).feasible);
  EXPECT_LE(sol.vehicles(), stats.initial_vehicles);
  EXPECT_GT(stats.alns_iterations, 0);
}

TEST(PdptwSolver, RespectsTheDeadline) {
  Instance inst = Load("lr204");
  SolveOptions opts;
  opts.time_limit = std::chrono::duration<double>(0.5);
  opts.threads = 2;
  auto start = std::chrono::steady_clock::now();
  opts.start = start;
  Solution sol = Solve(inst, opts);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 0.5);
  EXPECT_TRUE(CheckSolution(inst, sol).feasible);
}

}  // namespace
}  // namespace hotpath::dispatch::pdptw
