#include "core/geo.h"

#include <algorithm>
#include <cmath>

namespace hotpath::geo {
namespace {
constexpr double kEarthRadiusM = 6371008.8;
constexpr double kDegToRad = M_PI / 180.0;
}  // namespace

double DistanceMeters(Point a, Point b) {
  double dlat = (b.lat - a.lat) * kDegToRad;
  double dlon = (b.lon - a.lon) * kDegToRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.lat * kDegToRad) *
                                                           std::cos(b.lat * kDegToRad) * std::sin(dlon / 2) *
                                                           std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

double AreaDegrees2(const std::vector<Point>& polygon) {
  double twice = 0;
  for (std::size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    twice += polygon[j].lon * polygon[i].lat - polygon[i].lon * polygon[j].lat;
  }
  return std::fabs(twice) / 2;
}

bool Contains(const std::vector<Point>& polygon, Point p) {
  bool inside = false;
  for (std::size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    const Point& a = polygon[i];
    const Point& b = polygon[j];
    if ((a.lat > p.lat) != (b.lat > p.lat)) {
      double lon_at = (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon;
      if (p.lon < lon_at) inside = !inside;
    }
  }
  return inside;
}

Box Around(Point c, double radius_m) {
  double dlat = radius_m / kEarthRadiusM / kDegToRad;
  double cos_lat = std::max(0.01, std::cos(c.lat * kDegToRad));
  double dlon = std::min(180.0, dlat / cos_lat);
  return {c.lat - dlat, c.lat + dlat, c.lon - dlon, c.lon + dlon};
}

}  // namespace hotpath::geo
