#pragma once
// CandidateFinder: the k cheapest couriers for a bundle, without scoring every courier.
// Couriers sit in a uniform grid; rings of cells are scanned outward from the restaurant and the scan
// stops once a lower bound on the cost of any courier further out (from TravelTimes::LowerBoundForDistance
// and an idle courier at that distance) cannot beat the k-th best found. Exact: it returns the same set
// as scoring all couriers (ties broken by courier index).

#include <vector>

#include "dispatch/bundle.h"

namespace hotpath::dispatch {

struct Candidate {
  int courier = 0;  // index into Snapshot::couriers
  Cost cost = 0;
};

class CandidateFinder {
 public:
  // `couriers`: indices of the couriers that may take work. The references must outlive the finder.
  CandidateFinder(const Snapshot& snapshot, const TravelTimes& travel, const Options& options,
                  const std::vector<int>& couriers);

  // Up to k feasible candidates, cheapest first.
  [[nodiscard]] std::vector<Candidate> Find(const Bundle& bundle, int k) const;

  // Cost of one pair, or nullopt if infeasible; fills timing when given.
  [[nodiscard]] std::optional<Cost> CostOf(const Bundle& bundle, int courier,
                                           BundleTiming* timing = nullptr) const;

 private:
  [[nodiscard]] Cost LowerBound(const Bundle& bundle, double metres) const;

  const Snapshot& s_;
  const TravelTimes& travel_;
  const Options& opt_;
  double min_x_ = 0, min_y_ = 0, cell_ = 1;
  int nx_ = 1, ny_ = 1;
  std::vector<std::vector<int>> cells_;
  Cost min_extra_ = 0;
  TimePoint min_shift_end_ = 0;  // earliest shift end of the couriers (for the lower bound)
};

}  // namespace hotpath::dispatch
