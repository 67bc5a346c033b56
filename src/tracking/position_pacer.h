#pragma once
// Paces the rider positions sent to one subscriber: at most one per `interval`, newest first.
//
// A position goes out when `interval` has passed since the previous one, or already after
// `interval - tolerance` when its fix was taken at least `interval` after the previous one's. So a
// rider reporting once per interval is never held back by arrival jitter (up to the tolerance, and
// a late fix does not shift the phase of the later ones for more than a few intervals), while a
// rider reporting faster is held to one position per interval of wall time (the caller keeps only
// the newest meanwhile and sends it at DueAt). Pure; the caller locks.

#include <algorithm>
#include <climits>

#include "core/clock.h"

namespace hotpath::tracking {

class PositionPacer {
 public:
  PositionPacer(Millis interval, Millis tolerance)
      : interval_(std::max<Millis>(0, interval)), tolerance_(std::clamp<Millis>(tolerance, 0, interval_)) {}
  // True (and counted as sent) when the position of the fix taken at `fix_at` may go out at `now`.
  bool TryAdmit(Millis now, Millis fix_at) {
    if (now < DueAt(fix_at)) return false;
    last_sent_ = now;
    last_at_ = fix_at;
    return true;
  }
  // The earliest time the position of the fix taken at `fix_at` may go out.
  [[nodiscard]] Millis DueAt(Millis fix_at) const {
    return last_sent_ + (fix_at - last_at_ >= interval_ ? interval_ - tolerance_ : interval_);
  }

 private:
  Millis interval_;
  Millis tolerance_;
  Millis last_sent_ = INT64_MIN / 4;  // wall time of the last position sent
  Millis last_at_ = INT64_MIN / 4;    // its fix time
};

}  // namespace hotpath::tracking
