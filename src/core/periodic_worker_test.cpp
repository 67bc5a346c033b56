// PeriodicWorker: stops promptly in the middle of a long wait, runs on its period, runs at once when
// woken (wake-ups during a run coalesce into one more run), settles bursts, backs off by SetPeriod.
// Waits for a number of runs are on a condition with a generous timeout; no sleep decides anything.
#include "core/periodic_worker.h"

#include <gtest/gtest.h>

#include <vector>

namespace hotpath {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kHour = std::chrono::milliseconds(std::chrono::hours(1));
constexpr auto kGenerous = 20s;  // a wait that only a broken worker (or a test timeout) exceeds

// Counts the runs and when each started; a test waits for the n-th.
class Runs {
 public:
  void Record() {
    {
      std::lock_guard lock(mu_);
      starts_.push_back(Clock::now());
    }
    cv_.notify_all();
  }
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGenerous, [&] { return starts_.size() >= n; });
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return starts_.size();
  }
  std::vector<Clock::time_point> starts() {
    std::lock_guard lock(mu_);
    return starts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> starts_;
};

TEST(PeriodicWorker, StopReturnsAtOnceInTheMiddleOfAWait) {
  Runs runs;
  PeriodicWorker w({.period = kHour, .run_at_start = true}, [&] { runs.Record(); });
  w.Start();
  ASSERT_TRUE(runs.WaitFor(1));  // now waiting for an hour
  const auto before = Clock::now();
  w.Stop();
  EXPECT_LT(Clock::now() - before, kGenerous);
  EXPECT_FALSE(w.running());
  EXPECT_EQ(runs.count(), 1u);
}

TEST(PeriodicWorker, StopWaitsForTheRunInProgressOnly) {
  std::mutex gate;
  std::unique_lock hold(gate);
  Runs runs;
  bool finished = false;
  PeriodicWorker w({.period = kHour, .run_at_start = true}, [&] {
    runs.Record();
    std::lock_guard pass(gate);  // blocks until the test opens the gate
    finished = true;
  });
  w.Start();
  ASSERT_TRUE(runs.WaitFor(1));
  std::thread stopper([&] { w.Stop(); });
  hold.unlock();
  stopper.join();
  EXPECT_TRUE(finished);  // Stop returned after the run ended, and no run began after it
  EXPECT_EQ(runs.count(), 1u);
}

TEST(PeriodicWorker, RunsOnItsPeriodNeverSooner) {
  Runs runs;
  constexpr auto kPeriod = 30ms;
  PeriodicWorker w({.period = kPeriod}, [&] { runs.Record(); });
  const auto started = Clock::now();
  w.Start();
  ASSERT_TRUE(runs.WaitFor(4));
  w.Stop();
  auto starts = runs.starts();
  EXPECT_GE(starts[0] - started, kPeriod);  // no run at start unless asked
  for (std::size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 1], kPeriod) << i;
}

TEST(PeriodicWorker, WakeRunsAtOnceAndWakesDuringARunMakeOneMore) {
  std::mutex gate;
  std::unique_lock hold(gate);
  Runs runs;
  PeriodicWorker w({.period = kHour}, [&] {
    runs.Record();
    if (runs.count() == 1) {
      std::lock_guard pass(gate);  // the first run lasts until the gate opens
    }
  });
  w.Start();
  w.Wake();  // an hour before the period would
  ASSERT_TRUE(runs.WaitFor(1));
  for (int i = 0; i < 5; ++i) w.Wake();  // during the first run
  hold.unlock();
  ASSERT_TRUE(runs.WaitFor(2));
  w.Stop();
  EXPECT_EQ(runs.count(), 2u);  // five wake-ups, one more run
}

TEST(PeriodicWorker, AWakeBeforeStartIsKept) {
  Runs runs;
  PeriodicWorker w({.period = kHour}, [&] { runs.Record(); });
  w.Wake();
  w.Start();
  EXPECT_TRUE(runs.WaitFor(1));
}

TEST(PeriodicWorker, SettleGathersABurstOfWakeUpsIntoOneRun) {
  Runs runs;
  constexpr auto kSettle = 100ms;
  PeriodicWorker w({.period = kHour, .settle = kSettle}, [&] { runs.Record(); });
  w.Start();
  const auto woken = Clock::now();
  for (int i = 0; i < 10; ++i) w.Wake();
  ASSERT_TRUE(runs.WaitFor(1));
  w.Stop();
  EXPECT_GE(runs.starts()[0] - woken, kSettle);
  EXPECT_EQ(runs.count(), 1u);
}

TEST(PeriodicWorker, TheTaskCanShortenThePeriod) {
  Runs runs;
  PeriodicWorker* self = nullptr;
  PeriodicWorker w({.period = kHour, .run_at_start = true}, [&] {
    runs.Record();
    self->SetPeriod(10ms);  // e.g. the relay retrying sooner
  });
  self = &w;
  w.Start();
  EXPECT_TRUE(runs.WaitFor(3));  // an hour apart without SetPeriod
}

TEST(PeriodicWorker, StartsAgainAfterStop) {
  Runs runs;
  PeriodicWorker w({.period = kHour, .run_at_start = true}, [&] { runs.Record(); });
  w.Start();
  w.Start();  // already running: nothing more
  ASSERT_TRUE(runs.WaitFor(1));
  w.Stop();
  w.Start();
  EXPECT_TRUE(runs.WaitFor(2));
  w.Stop();
  EXPECT_EQ(runs.count(), 2u);
}

}  // namespace
}  // namespace hotpath
