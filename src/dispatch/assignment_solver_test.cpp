#include "dispatch/assignment_solver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

namespace hotpath::dispatch {
namespace {

TEST(AssignmentProblem, PicksTheGlobalOptimumNotTheGreedyOne) {
  // Greedy row by row would take (0,0)=1 then (1,1)=10: total 11. Optimum is (0,1)+(1,0) = 2+2.
  AssignmentProblem p(2, 2);
  p.AddEdge(0, 0, 1);
  p.AddEdge(0, 1, 2);
  p.AddEdge(1, 0, 2);
  p.AddEdge(1, 1, 10);
  const auto s = p.Solve();
  EXPECT_EQ(s.column_of_row, (std::vector<int>{1, 0}));
  EXPECT_DOUBLE_EQ(s.total_cost, 4);
}

TEST(AssignmentProblem, LeavesARowUnassignedWhenThatIsCheaper) {
  AssignmentProblem p(2, 1);
  p.AddEdge(0, 0, 5);
  p.AddEdge(1, 0, 1);
  p.SetUnassignedCost(0, 3);
  p.SetUnassignedCost(1, 100);
  const auto s = p.Solve();
  EXPECT_EQ(s.column_of_row, (std::vector<int>{-1, 0}));
  EXPECT_DOUBLE_EQ(s.total_cost, 4);
}

// Exhaustive reference: every row picks a distinct column or stays unassigned.
double BruteForce(const std::vector<std::vector<double>>& c, const std::vector<double>& u, size_t row,
                  std::vector<char>& used) {
  if (row == c.size()) return 0;
  double best = u[row] + BruteForce(c, u, row + 1, used);
  for (size_t j = 0; j < c[row].size(); ++j) {
    if (used[j] || c[row][j] == std::numeric_limits<double>::infinity()) continue;
    used[j] = 1;
    best = std::min(best, c[row][j] + BruteForce(c, u, row + 1, used));
    used[j] = 0;
  }
  return best;
}

TEST(AssignmentProblem, MatchesExhaustiveSearchOnRandomSparseInstances) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    const int rows = 1 + static_cast<int>(rng() % 6), cols = 1 + static_cast<int>(rng() % 6);
    std::vector<std::vector<double>> c(
        static_cast<size_t>(rows),
        std::vector<double>(static_cast<size_t>(cols), std::numeric_limits<double>::infinity()));
    std::vector<double> u(static_cast<size_t>(rows));
    AssignmentProblem p(rows, cols);
    for (int r = 0; r < rows; ++r) {
      for (int j = 0; j < cols; ++j) {
        if (rng() % 3 == 0) continue;  // sparse
        c[static_cast<size_t>(r)][static_cast<size_t>(j)] = static_cast<double>(rng() % 50);
        p.AddEdge(r, j, c[static_cast<size_t>(r)][static_cast<size_t>(j)]);
      }
      u[static_cast<size_t>(r)] = static_cast<double>(20 + rng() % 60);
      p.SetUnassignedCost(r, u[static_cast<size_t>(r)]);
    }
    std::vector<char> used(static_cast<size_t>(cols), 0);
    const double expected = BruteForce(c, u, 0, used);
    const auto s = p.Solve();
    ASSERT_NEAR(s.total_cost, expected, 1e-9) << "trial " << trial;
    std::vector<char> taken(static_cast<size_t>(cols), 0);
    for (int r = 0; r < rows; ++r) {
      const int j = s.column_of_row[static_cast<size_t>(r)];
      if (j < 0) continue;
      ASSERT_FALSE(taken[static_cast<size_t>(j)]) << "column used twice";
      ASSERT_NE(c[static_cast<size_t>(r)][static_cast<size_t>(j)], std::numeric_limits<double>::infinity());
      taken[static_cast<size_t>(j)] = 1;
    }
  }
}

}  // namespace
}  // namespace hotpath::dispatch
