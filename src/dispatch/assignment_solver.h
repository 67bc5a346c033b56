#pragma once
// Min-cost bipartite assignment on a sparse graph (rows = bundles, columns = couriers).
// Every row may also stay unassigned at its own cost, so a solution always exists. Exact: successive
// shortest augmenting paths (Dijkstra with dual potentials), O(rows * E log E) worst case, far less in
// practice because each search stops at the first free column.

#include <vector>

#include "dispatch/types.h"

namespace hotpath::dispatch {

struct AssignmentEdge {
  int column = 0;
  Cost cost = 0;
};

class AssignmentProblem {
 public:
  AssignmentProblem(int rows, int columns);
  // Preconditions: 0 <= row < rows, 0 <= column < columns; costs finite. Duplicate edges keep the cheapest.
  void AddEdge(int row, int column, Cost cost);
  // Cost of leaving `row` unassigned (default: +inf means the row must be assigned if it can be; a row
  // with no edge and an infinite unassigned cost is reported unassigned).
  void SetUnassignedCost(int row, Cost cost);

  struct Solution {
    std::vector<int> column_of_row;  // -1 when unassigned
    Cost total_cost = 0;             // including unassigned costs
  };
  [[nodiscard]] Solution Solve() const;

  [[nodiscard]] int rows() const { return static_cast<int>(edges_.size()); }
  [[nodiscard]] int columns() const { return columns_; }

 private:
  int columns_;
  std::vector<std::vector<AssignmentEdge>> edges_;
  std::vector<Cost> unassigned_;
};

}  // namespace hotpath::dispatch
