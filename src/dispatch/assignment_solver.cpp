#include "dispatch/assignment_solver.h"

#include <algorithm>
#include <limits>
#include <queue>
#include <utility>

namespace hotpath::dispatch {
namespace {

constexpr Cost kInf = std::numeric_limits<Cost>::infinity();
// Fallback for "unassigned" when the caller set no cost: larger than any path through real edges.
constexpr Cost kBigUnassigned = 1e12;

}  // namespace

AssignmentProblem::AssignmentProblem(int rows, int columns)
    : columns_(columns), edges_(static_cast<size_t>(rows)), unassigned_(static_cast<size_t>(rows), kInf) {}

void AssignmentProblem::AddEdge(int row, int column, Cost cost) {
  edges_[static_cast<size_t>(row)].push_back({column, cost});
}

void AssignmentProblem::SetUnassignedCost(int row, Cost cost) {
  unassigned_[static_cast<size_t>(row)] = cost;
}

AssignmentProblem::Solution AssignmentProblem::Solve() const {
  const int n_rows = rows();
  // Columns: real couriers [0, columns_), then one private "unassigned" column per row.
  const int n_cols = columns_ + n_rows;
  std::vector<std::vector<AssignmentEdge>> adj(edges_.size());
  for (int r = 0; r < n_rows; ++r) {
    auto& out = adj[static_cast<size_t>(r)];
    out = edges_[static_cast<size_t>(r)];
    std::sort(out.begin(), out.end(), [](const AssignmentEdge& a, const AssignmentEdge& b) {
      return a.column != b.column ? a.column < b.column : a.cost < b.cost;
    });
    out.erase(
        std::unique(out.begin(), out.end(),
                    [](const AssignmentEdge& a, const AssignmentEdge& b) { return a.column == b.column; }),
        out.end());
    const Cost u = unassigned_[static_cast<size_t>(r)];
    out.push_back({columns_ + r, u == kInf ? kBigUnassigned : u});
  }

  // Dual potentials: reduced cost c - u[row] - v[col] >= 0, and 0 on matched edges.
  std::vector<Cost> u(static_cast<size_t>(n_rows), 0), v(static_cast<size_t>(n_cols), 0);
  for (int r = 0; r < n_rows; ++r) {
    Cost m = kInf;
    for (const auto& e : adj[static_cast<size_t>(r)]) m = std::min(m, e.cost);
    u[static_cast<size_t>(r)] = m;
  }
  std::vector<int> row_of_col(static_cast<size_t>(n_cols), -1), col_of_row(static_cast<size_t>(n_rows), -1);
  std::vector<Cost> dist(static_cast<size_t>(n_cols), kInf);
  std::vector<int> prev_row(static_cast<size_t>(n_cols), -1);
  std::vector<char> done(static_cast<size_t>(n_cols), 0);
  std::vector<int> touched_cols, scanned_rows;
  std::vector<Cost> row_dist(static_cast<size_t>(n_rows), 0);
  using Item = std::pair<Cost, int>;

  for (int s = 0; s < n_rows; ++s) {
    std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
    touched_cols.clear();
    scanned_rows.clear();
    auto scan = [&](int r, Cost d) {
      scanned_rows.push_back(r);
      row_dist[static_cast<size_t>(r)] = d;
      for (const auto& e : adj[static_cast<size_t>(r)]) {
        const auto j = static_cast<size_t>(e.column);
        if (done[j]) continue;
        const Cost nd = d + std::max<Cost>(0, e.cost - u[static_cast<size_t>(r)] - v[j]);
        if (nd < dist[j]) {
          if (dist[j] == kInf) touched_cols.push_back(e.column);
          dist[j] = nd;
          prev_row[j] = r;
          heap.push({nd, e.column});
        }
      }
    };
    scan(s, 0);
    int target = -1;
    Cost total = 0;
    while (!heap.empty()) {
      auto [d, j] = heap.top();
      heap.pop();
      const auto uj = static_cast<size_t>(j);
      if (done[uj] || d > dist[uj]) continue;
      done[uj] = 1;
      if (row_of_col[uj] < 0) {
        target = j;
        total = d;
        break;
      }
      scan(row_of_col[uj], d);
    }
    // The private unassigned column guarantees a target.
    for (int r : scanned_rows) u[static_cast<size_t>(r)] += total - row_dist[static_cast<size_t>(r)];
    for (int j : touched_cols) {
      const auto uj = static_cast<size_t>(j);
      if (done[uj] && dist[uj] < total) v[uj] -= total - dist[uj];
    }
    // Augment along the path.
    for (int j = target; j >= 0;) {
      const int r = prev_row[static_cast<size_t>(j)];
      const int next = col_of_row[static_cast<size_t>(r)];
      row_of_col[static_cast<size_t>(j)] = r;
      col_of_row[static_cast<size_t>(r)] = j;
      j = (r == s) ? -1 : next;
    }
    for (int j : touched_cols) {
      dist[static_cast<size_t>(j)] = kInf;
      done[static_cast<size_t>(j)] = 0;
      prev_row[static_cast<size_t>(j)] = -1;
    }
  }

  Solution sol;
  sol.column_of_row.assign(static_cast<size_t>(n_rows), -1);
  for (int r = 0; r < n_rows; ++r) {
    const int j = col_of_row[static_cast<size_t>(r)];
    if (j < columns_) {
      sol.column_of_row[static_cast<size_t>(r)] = j;
      for (const auto& e : adj[static_cast<size_t>(r)]) {
        if (e.column == j) sol.total_cost += e.cost;
      }
    } else {
      const Cost uc = unassigned_[static_cast<size_t>(r)];
      sol.total_cost += uc == kInf ? 0 : uc;
    }
  }
  return sol;
}

}  // namespace hotpath::dispatch
