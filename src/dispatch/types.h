#pragma once
// Domain quantities of the dispatch optimizer. Integer seconds inside the optimizer; callers convert
// at the boundary (the MDRP replay uses minutes * 60, the live server seconds since its snapshot origin).

#include <cstdint>

namespace hotpath::dispatch {

using Seconds = std::int64_t;    // a duration
using TimePoint = std::int64_t;  // seconds since an origin the caller chooses (same origin in one Snapshot)
using OrderId = std::int64_t;
using CourierId = std::int64_t;
using RestaurantId = std::int64_t;
using Cost = double;  // objective units: weighted minutes (see Options)

// Planar position in metres (UTM-like coordinates; the live server projects lat/lon locally).
struct Point {
  double x = 0;
  double y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

inline constexpr Seconds kMinute = 60;

}  // namespace hotpath::dispatch
