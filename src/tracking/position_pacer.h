#pragma once
// Paces the rider positions sent to one subscriber: at most one per `interval`, newest first.
//
// A position goes out when `interval` has passed since the previous one, or already after
// `interval - tolerance` when the rider reports at most once per interval: its fix was taken at
// least `interval - tolerance` after the rider's previous fix, and the pacer's fix-time schedule
// allows it. The tolerance absorbs jitter on both sides: of arrivals (network, the app's sending),
// and of the fix times themselves (a phone stamping fixes 999 or 1,003 ms apart is still a rider
// reporting once a second, and is never held back for it). The schedule advances by one interval per
// position sent and never runs more than `tolerance` ahead of the fix sent last, so riders reporting
// slightly faster than once per interval (850 ms) are still held to one position per interval of
// fix time in the long run, while a late fix shifts the later ones for a few intervals at most.
// A rider reporting faster (100 ms) is held to one position per interval of wall time; the caller
// keeps only the newest meanwhile and sends it at DueAt. Pure; the caller locks.

#include <algorithm>
#include <climits>

#include "core/clock.h"

namespace hotpath::tracking {

class PositionPacer {
 public:
  PositionPacer(Millis interval, Millis tolerance)
      : interval_(std::max<Millis>(0, interval)), tolerance_(std::clamp<Millis>(tolerance, 0, interval_)) {}
  // True (and counted as sent) when the position of the fix taken at `fix_at` may go out at `now`.
  // Every fix offered counts as the rider's latest, sent or not.
  bool TryAdmit(Millis now, Millis fix_at) {
    Seen(fix_at);
    if (now < DueAt(fix_at)) return false;
    last_sent_ = now;
    // One interval on, but within `tolerance` of this fix: an early position always moves the
    // schedule a whole interval (the long-run bound), a late fix only as far as itself.
    schedule_ = std::max(fix_at, std::min(schedule_ + interval_, fix_at + tolerance_));
    return true;
  }
  // The earliest time the position of the fix taken at `fix_at` may go out.
  [[nodiscard]] Millis DueAt(Millis fix_at) const {
    return last_sent_ + (Early(fix_at) ? interval_ - tolerance_ : interval_);
  }

 private:
  static constexpr Millis kNever = INT64_MIN / 4;
  void Seen(Millis fix_at) {
    if (fix_at == latest_) return;
    previous_ = latest_;
    latest_ = fix_at;
  }
  // Whether the fix may go out `tolerance` early (see the header comment).
  [[nodiscard]] bool Early(Millis fix_at) const {
    const Millis before = fix_at == latest_ ? previous_ : latest_;  // the rider's fix before this one
    return fix_at - before >= interval_ - tolerance_ && fix_at >= schedule_ + interval_ - tolerance_;
  }

  Millis interval_;
  Millis tolerance_;
  Millis last_sent_ = kNever;  // wall time of the last position sent
  Millis schedule_ = kNever;   // fix-time schedule: the next early position's fix is due interval after it
  Millis latest_ = kNever;     // the newest fix offered, and the one before it
  Millis previous_ = kNever;
};

}  // namespace hotpath::tracking
