#pragma once
// TravelTimes: how long a courier needs between two points. The optimizer only calls this interface,
// so a road-network router can replace the straight-line model without touching the engine.
// Implementations must be thread-compatible (const calls from one thread at a time) and pure.

#include "dispatch/types.h"

namespace hotpath::dispatch {

class TravelTimes {
 public:
  virtual ~TravelTimes() = default;
  [[nodiscard]] virtual Seconds Between(const Point& from, const Point& to) const = 0;
  // A lower bound on Between(a, b) for any a, b at least `metres` apart (straight line). The engine uses
  // it to skip far couriers; the default (0) disables that pruning, which is always correct.
  [[nodiscard]] virtual Seconds LowerBoundForDistance(double metres) const {
    (void)metres;
    return 0;
  }
};

// Euclidean distance at a constant speed. With kRoundUpToMinute the result is
// ceil(distance / metres_per_minute) whole minutes, exactly as the MDRP benchmark defines travel.
class StraightLineTravelTimes final : public TravelTimes {
 public:
  enum class Rounding { kRoundUpToMinute, kRoundUpToSecond };
  // Precondition: metres_per_minute > 0.
  explicit StraightLineTravelTimes(double metres_per_minute, Rounding rounding = Rounding::kRoundUpToMinute);
  [[nodiscard]] Seconds Between(const Point& from, const Point& to) const override;
  [[nodiscard]] Seconds LowerBoundForDistance(double metres) const override;
  [[nodiscard]] double metres_per_minute() const { return metres_per_minute_; }

 private:
  double metres_per_minute_;
  Rounding rounding_;
};

}  // namespace hotpath::dispatch
