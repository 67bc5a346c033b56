#pragma once
// The pure parts of the city simulator: the daily demand curve and its arrival process, straight-line
// movement, and the mapping of a Grubhub MDRP instance (metres on a plane, couriers with shifts)
// onto the demo city. No I/O, no clocks: times are simulated seconds since midnight of day 0.

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "core/geo.h"

namespace hotpath::simulate {

// Relative demand at a time of day (hours, any value; wraps every 24 h), between ~0.02 at night and
// 1.0 at the lunch (12:30) and dinner (19:30) peaks. Piecewise linear through hourly values.
double DemandShare(double hour_of_day);

// Order arrivals: a non-homogeneous Poisson process with rate peak_per_hour x DemandShare(hour),
// sampled by thinning with a seeded generator (the same seed gives the same arrival times).
class ArrivalProcess {
 public:
  ArrivalProcess(double peak_per_hour, std::uint64_t seed);
  // The first arrival strictly after `now_s` (simulated seconds since midnight of day 0).
  double Next(double now_s);

 private:
  double peak_per_s_;
  std::mt19937_64 rng_;
};

// The point `metres` along the straight line from `from` to `to` (exactly `to` when the line is
// shorter). Equirectangular interpolation: exact enough for a city.
geo::Point Toward(geo::Point from, geo::Point to, double metres);

struct CityBox {
  double min_lat = 0, min_lon = 0, max_lat = 0, max_lon = 0;
  [[nodiscard]] geo::Point Center() const { return {(min_lat + max_lat) / 2, (min_lon + max_lon) / 2}; }
};

// Maps an instance's plane (x east, y north, metres) into a city box with one uniform scale,
// centred, preserving the aspect ratio: distances shrink or grow by scale().
class PlaneMapping {
 public:
  PlaneMapping(double min_x, double min_y, double max_x, double max_y, CityBox box);
  [[nodiscard]] geo::Point ToCity(double x, double y) const;
  // City metres per instance metre.
  [[nodiscard]] double scale() const { return scale_; }

 private:
  double min_x_, min_y_, scale_;
  double lat0_, lon0_;           // city point of the instance's (min_x, min_y) after centring
  double m_per_deg_lat_, m_per_deg_lon_;
};

// Gives courier shifts [on, off) to as few accounts as possible, no account serving two overlapping
// shifts (earliest start first, the account free soonest). Returns the account index of each shift;
// the number of accounts is 1 + the largest index.
std::vector<int> AssignShifts(const std::vector<std::pair<double, double>>& shifts);

}  // namespace hotpath::simulate
