#include "tracking/position_pacer.h"

#include <gtest/gtest.h>

namespace hotpath::tracking {
namespace {

TEST(PositionPacer, OncePerIntervalWithJitterIsNeverHeldBack) {
  PositionPacer pacer(1000, 200);
  const Millis jitter[] = {0, 40, -60, 100, -100, 10, 0, 95, -95, 0};
  for (int i = 0; i < 10; ++i) {
    const Millis at = 10'000 + i * 1000;  // taken once a second, arriving with jitter
    EXPECT_TRUE(pacer.TryAdmit(at + 300 + jitter[i], at)) << i;
  }
}

// A phone stamping its fixes from a timer: 1 Hz, but a few ms early or late each time (and the odd
// fix 150 ms late), uploaded with network jitter on top. None is held back.
TEST(PositionPacer, JitterInFixTimesIsNeverHeldBackEither) {
  PositionPacer pacer(1000, 200);
  const Millis stamp[] = {0, 3, 1, -1, 0, 150, 2, -2, 0, 1, 40, -3, 0, 5, 0, 1, -1, 0, 2, 0};
  const Millis network[] = {20, 25, 30, 20, 60, 20, 20, 35, 20, 20, 25, 20, 90, 20, 20, 30, 20, 20, 45, 20};
  for (int i = 0; i < 20; ++i) {
    const Millis at = 10'000 + i * 1000 + stamp[i];
    EXPECT_TRUE(pacer.TryAdmit(at + network[i], at)) << i;
  }
}

// Slightly faster than once a second (every 850 ms): early admission is bounded by the fix-time
// schedule, so it still gets one position per second of fix time in the long run.
TEST(PositionPacer, ARiderSlightlyFasterThanTheIntervalIsHeldToItInTheLongRun) {
  PositionPacer pacer(1000, 200);
  Millis pending = -1;  // a held-back fix, sent when due (as LiveTracking does)
  Millis last_sent = -10'000;
  int sent = 0;
  for (Millis t = 0; t <= 60'000; t += 10) {
    if (t % 850 == 0) pending = t;  // a new fix replaces the held one
    if (pending < 0 || !pacer.TryAdmit(t, pending)) continue;
    EXPECT_GE(t - last_sent, 800) << t;
    last_sent = t;
    pending = -1;
    ++sent;
  }
  EXPECT_LE(sent, 62);  // 60 s of fixes: one a second, the first one, and one early at the start
  EXPECT_GE(sent, 58);
}

TEST(PositionPacer, AFasterRiderIsHeldToOnePerInterval) {
  PositionPacer pacer(1000, 200);
  Millis last = -1;
  int sent = 0;
  for (Millis t = 0; t < 10'000; t += 100) {  // a fix every 100 ms for 10 s
    if (!pacer.TryAdmit(t, t)) {
      EXPECT_EQ(pacer.DueAt(t), last + 1000);
      continue;
    }
    if (last >= 0) {
      EXPECT_GE(t - last, 1000);
    }
    last = t;
    ++sent;
  }
  EXPECT_EQ(sent, 10);
}

TEST(PositionPacer, ALateFixDoesNotDelayTheNextOnesForLong) {
  PositionPacer pacer(1000, 200);
  Millis sent_at = 0;
  EXPECT_TRUE(pacer.TryAdmit(0, 0));
  EXPECT_TRUE(pacer.TryAdmit(1500, 1000));  // 500 ms late
  sent_at = 1500;
  Millis delay = 0;
  for (int k = 2; k < 8; ++k) {
    const Millis arrival = k * 1000;
    if (pacer.TryAdmit(arrival, arrival)) {
      delay = 0;
      sent_at = arrival;
      continue;
    }
    const Millis due = pacer.DueAt(arrival);
    EXPECT_EQ(due, sent_at + 800);
    delay = due - arrival;
    EXPECT_LE(delay, 300);
    EXPECT_TRUE(pacer.TryAdmit(due, arrival));
    sent_at = due;
  }
  EXPECT_EQ(delay, 0);  // back on the rider's own phase
}

TEST(PositionPacer, ABurstOfOldFixesIsSpreadOut) {
  PositionPacer pacer(1000, 200);
  EXPECT_TRUE(pacer.TryAdmit(100'000, 50'000));
  // Fixes taken a second apart, uploaded in a burst: never two within interval - tolerance.
  EXPECT_FALSE(pacer.TryAdmit(100'010, 51'000));
  EXPECT_EQ(pacer.DueAt(51'000), 100'800);
  EXPECT_TRUE(pacer.TryAdmit(100'800, 52'000));
}

}  // namespace
}  // namespace hotpath::tracking
