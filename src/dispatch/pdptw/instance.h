#pragma once
// A Li & Lim PDPTW instance (SINTEF text format) and its parser.
// Format: first line `vehicles capacity speed`, then one line per node
// `id x y demand earliest latest service pickup_sibling delivery_sibling`, ids 0..n-1, 0 = depot.
// The parser validates structure (numbers, consecutive ids, sibling pairing, windows) and reports
// the first problem as "<source>:<line>: <what>".

#include <string>
#include <string_view>
#include <vector>

#include "dispatch/pdptw/types.h"

namespace hotpath::dispatch::pdptw {

struct Node {
  double x = 0;
  double y = 0;
  Load demand = 0;
  Time ready = 0;
  Time due = 0;
  Time service = 0;
  NodeId pickup = 0;    // for a delivery: its pickup; else 0
  NodeId delivery = 0;  // for a pickup: its delivery; else 0
};

struct Instance {
  std::string name;
  int vehicle_limit = 0;
  Load capacity = 0;
  std::vector<Node> nodes;       // nodes[0] is the depot
  std::vector<NodeId> pickups;   // one entry per request, ascending
  std::vector<Distance> matrix;  // row-major, nodes.size()^2

  [[nodiscard]] int size() const { return static_cast<int>(nodes.size()); }
  [[nodiscard]] Distance Dist(NodeId a, NodeId b) const {
    return matrix[static_cast<size_t>(a) * nodes.size() + static_cast<size_t>(b)];
  }
  [[nodiscard]] NodeId DeliveryOf(NodeId pickup) const { return nodes[pickup].delivery; }
};

// Parses instance text; `source` names the input in error messages (usually the file path).
[[nodiscard]] Result<Instance> ParseInstance(std::string_view text, const std::string& source);

// Reads and parses a file; the instance name is the file's stem.
[[nodiscard]] Result<Instance> LoadInstance(const std::string& path);

}  // namespace hotpath::dispatch::pdptw
