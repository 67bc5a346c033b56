#pragma once
// Plan: the engine's answer for one snapshot.

#include <string>
#include <vector>

#include "dispatch/types.h"

namespace hotpath::dispatch {

// One bundle (orders of one restaurant) for one courier: leave now, pick up all orders at once,
// drop them off in `orders` order.
struct Assignment {
  CourierId courier = 0;
  RestaurantId restaurant = 0;
  std::vector<OrderId> orders;  // drop-off sequence
  TimePoint depart = 0;         // courier leaves its position
  TimePoint arrive_restaurant = 0;
  TimePoint pickup = 0;             // max(arrival + half pickup service, latest ready time)
  std::vector<TimePoint> dropoffs;  // per order, arrival + half drop-off service
  TimePoint free_at = 0;            // after the last drop-off's service
  Point end_position;               // last drop-off location
  Cost cost = 0;
  std::string reason;
};

struct Postponement {
  OrderId order = 0;
  std::string reason;
};

struct SolveStats {
  int bundles = 0;          // candidate bundles after local search
  int candidate_edges = 0;  // bundle-courier pairs given to the matching
  int merges = 0;           // bundle merges accepted by local search
  bool deadline_hit = false;
  double scarcity =
      0;  // estimated courier demand / supply (see Options)  // true if a phase was cut short by the deadline
  double elapsed_ms = 0;
};

struct Plan {
  std::vector<Assignment> committed;    // send these now
  std::vector<Assignment> tentative;    // best current intention, postponed (re-planned next epoch)
  std::vector<Postponement> postponed;  // orders with no committed assignment, and why
  SolveStats stats;
};

}  // namespace hotpath::dispatch
