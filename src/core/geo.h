#pragma once
// Geodesy on the WGS84 sphere approximation: great-circle distance and point-in-polygon. Pure.

#include <vector>

namespace hotpath::geo {

struct Point {
  double lat = 0;
  double lon = 0;
};

// Haversine distance in metres.
double DistanceMeters(Point a, Point b);
// Ray casting on lat/lon (fine for city-sized polygons that don't cross the antimeridian).
// Unsigned shoelace area in squared degrees: 0 for degenerate (collinear, repeated) polygons.
double AreaDegrees2(const std::vector<Point>& polygon);
bool Contains(const std::vector<Point>& polygon, Point p);
// A lat/lon box that contains every point within `radius_m` of `center`.
struct Box {
  double min_lat, max_lat, min_lon, max_lon;
};
Box Around(Point center, double radius_m);

}  // namespace hotpath::geo
