#include "dispatch/travel_times.h"

#include <cmath>

namespace hotpath::dispatch {

StraightLineTravelTimes::StraightLineTravelTimes(double metres_per_minute, Rounding rounding)
    : metres_per_minute_(metres_per_minute), rounding_(rounding) {}

Seconds StraightLineTravelTimes::Between(const Point& from, const Point& to) const {
  const double minutes = std::hypot(to.x - from.x, to.y - from.y) / metres_per_minute_;
  // The 1e-9 guard keeps exact multiples (floating noise above an integer) from rounding up a whole unit;
  // it matches the benchmark's evaluator.
  if (rounding_ == Rounding::kRoundUpToMinute) {
    return static_cast<Seconds>(std::ceil(minutes - 1e-9)) * kMinute;
  }
  return static_cast<Seconds>(std::ceil(minutes * 60.0 - 1e-9));
}

Seconds StraightLineTravelTimes::LowerBoundForDistance(double metres) const {
  if (metres <= 0) return 0;
  return Between({0, 0}, {metres, 0});  // monotone in distance, so exact for the straight line
}

}  // namespace hotpath::dispatch
