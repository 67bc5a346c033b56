#include "dispatch/pdptw/checker.h"

#include <algorithm>
#include <cmath>

namespace hotpath::dispatch::pdptw {
namespace {

constexpr double kCheckEps = 1e-6;

double Euclid(const Node& a, const Node& b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

CheckReport CheckSolution(const Instance& inst, const Solution& sol) {
  CheckReport report;
  const int n = inst.size();
  std::vector<int> visits(n, 0);
  auto fail = [&](std::string msg) { report.errors.push_back(std::move(msg)); };
  for (size_t r = 0; r < sol.routes.size(); ++r) {
    const auto& route = sol.routes[r];
    const std::string where = "route " + std::to_string(r + 1) + ": ";
    if (route.empty()) continue;
    ++report.vehicles;
    std::vector<int> position(n, -1);
    double time = inst.nodes[0].ready;
    double load = 0;
    const Node* prev = &inst.nodes[0];
    for (size_t k = 0; k < route.size(); ++k) {
      NodeId v = route[k];
      if (v <= 0 || v >= n) {
        fail(where + "unknown node " + std::to_string(v));
        continue;
      }
      ++visits[v];
      position[v] = static_cast<int>(k);
      const Node& node = inst.nodes[v];
      double leg = Euclid(*prev, node);
      report.distance += leg;
      time = std::max(time + prev->service + leg, node.ready);
      if (time > node.due + kCheckEps) {
        fail(where + "node " + std::to_string(v) + " served at " + std::to_string(time) +
             " after its window closes at " + std::to_string(node.due));
      }
      load += node.demand;
      if (load > inst.capacity + kCheckEps || load < -kCheckEps) {
        fail(where + "load " + std::to_string(load) + " out of range at node " + std::to_string(v));
      }
      prev = &node;
    }
    double back_leg = Euclid(*prev, inst.nodes[0]);
    report.distance += back_leg;
    if (time + prev->service + back_leg > inst.nodes[0].due + kCheckEps) {
      fail(where + "returns to the depot after it closes");
    }
    for (NodeId v : route) {
      if (v <= 0 || v >= n) continue;
      const Node& node = inst.nodes[v];
      if (node.delivery != 0 && (position[node.delivery] < position[v])) {
        fail(where + "pickup " + std::to_string(v) + " without its delivery " +
             std::to_string(node.delivery) + " later on the same route");
      }
      if (node.pickup != 0 && (position[node.pickup] < 0 || position[node.pickup] > position[v])) {
        fail(where + "delivery " + std::to_string(v) + " without its pickup " +
             std::to_string(node.pickup) + " earlier on the same route");
      }
    }
  }
  for (int v = 1; v < n; ++v) {
    if (visits[v] == 0) fail("node " + std::to_string(v) + " is not served");
    if (visits[v] > 1) fail("node " + std::to_string(v) + " is served " + std::to_string(visits[v]) + " times");
  }
  report.feasible = report.errors.empty();
  return report;
}

}  // namespace hotpath::dispatch::pdptw
