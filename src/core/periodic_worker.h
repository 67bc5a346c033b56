#pragma once
// PeriodicWorker: one background thread that runs a task every `period`, or sooner when woken. The
// loop that the outbox relay, the live dispatcher, the assigner, the console's live feed and the
// cluster primary's scrape of the other processes and the order cache bumper all need, written once.
//
//   - Runs: at Start when `run_at_start`, then each time `period` has passed since the end of the
//     previous run (a run never overlaps the next), or at once after Wake().
//   - Wake() asks for a run now. Wake-ups that arrive while a run is in progress make one more run
//     right after it: none is lost, several coalesce into one. Wake() before Start() counts.
//   - `settle`: before each run but the one at start, wait this much longer (only Stop() cuts it
//     short), so that a burst of wake-ups (many orders accepted at once) lands in one run.
//   - SetPeriod() changes the period from the next wait on; the task may call it (back off after a
//     failure, as the relay does).
//   - Stop() wakes the thread at once and joins it: it returns when a run in progress has ended,
//     never after a wait. Start() again after Stop() starts a new thread.
// Start() and Stop() are called by the owner (one thread at a time, never from the task); Wake()
// and SetPeriod() from any thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hotpath {

class PeriodicWorker {
 public:
  struct Options {
    std::chrono::milliseconds period{1000};
    bool run_at_start = false;
    std::chrono::milliseconds settle{0};
  };

  PeriodicWorker(Options options, std::function<void()> task);
  ~PeriodicWorker();
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  // Starts the thread; does nothing while it runs.
  void Start();
  void Stop();
  void Wake();
  void SetPeriod(std::chrono::milliseconds period);
  [[nodiscard]] bool running() const;

 private:
  void Loop();

  const Options options_;
  const std::function<void()> task_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::chrono::milliseconds period_;  // GUARDED_BY(mu_)
  bool woken_ = false;                // GUARDED_BY(mu_)
  bool stopping_ = false;             // GUARDED_BY(mu_)
  std::thread thread_;                // the owner's (Start, Stop)
};

}  // namespace hotpath
