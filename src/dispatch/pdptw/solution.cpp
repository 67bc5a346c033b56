#include "dispatch/pdptw/solution.h"

#include <cstdio>
#include <sstream>

namespace hotpath::dispatch::pdptw {

Distance TotalDistance(const Instance& inst, const Solution& sol) {
  Distance total = 0;
  for (const auto& route : sol.routes) {
    NodeId prev = 0;
    for (NodeId v : route) {
      total += inst.Dist(prev, v);
      prev = v;
    }
    total += inst.Dist(prev, 0);
  }
  return total;
}

bool Better(int vehicles_a, Distance dist_a, int vehicles_b, Distance dist_b) {
  if (vehicles_a != vehicles_b) return vehicles_a < vehicles_b;
  return dist_a < dist_b - 1e-9;
}

std::string FormatSintef(const Instance& inst, const Solution& sol) {
  std::ostringstream out;
  out << "Instance name : " << inst.name << "\n";
  out << "Authors       : hotpath\n";
  out << "Date          : \n";
  out << "Reference     : hotpath pdptw (route minimisation by guided ejection search, then ALNS)\n";
  out << "Solution\n";
  for (size_t r = 0; r < sol.routes.size(); ++r) {
    out << "Route " << r + 1 << " :";
    for (NodeId v : sol.routes[r]) out << ' ' << v;
    out << "\n";
  }
  return out.str();
}

Result<Solution> ParseSintef(std::string_view text, const std::string& source) {
  Solution sol;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("Route", 0) != 0) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      return Error{ErrorCode::kParse, source + ":" + std::to_string(line_no) + ": route without ':'"};
    }
    std::istringstream nodes(line.substr(colon + 1));
    std::vector<NodeId> route;
    std::string tok;
    while (nodes >> tok) {
      try {
        size_t used = 0;
        int v = std::stoi(tok, &used);
        if (used != tok.size()) throw std::invalid_argument(tok);
        route.push_back(v);
      } catch (const std::exception&) {
        return Error{ErrorCode::kParse,
                     source + ":" + std::to_string(line_no) + ": bad node id '" + tok + "'"};
      }
    }
    if (!route.empty()) sol.routes.push_back(std::move(route));
  }
  return sol;
}

}  // namespace hotpath::dispatch::pdptw
