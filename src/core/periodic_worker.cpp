#include "core/periodic_worker.h"

#include <utility>

namespace hotpath {

PeriodicWorker::PeriodicWorker(Options options, std::function<void()> task)
    : options_(options), task_(std::move(task)), period_(options.period) {}

PeriodicWorker::~PeriodicWorker() { Stop(); }

void PeriodicWorker::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void PeriodicWorker::SetPeriod(std::chrono::milliseconds period) {
  std::lock_guard lock(mu_);
  period_ = period;
}

bool PeriodicWorker::running() const { return thread_.joinable(); }

void PeriodicWorker::Loop() {
  std::unique_lock lock(mu_);
  bool wait = !options_.run_at_start;
  while (!stopping_) {
    if (wait) {
      cv_.wait_for(lock, period_, [this] { return stopping_ || woken_; });
      if (stopping_) break;
      if (options_.settle.count() > 0) {
        cv_.wait_for(lock, options_.settle, [this] { return stopping_; });
        if (stopping_) break;
      }
    }
    wait = true;
    woken_ = false;  // wake-ups from now on ask for the next run
    lock.unlock();
    task_();
    lock.lock();
  }
}

}  // namespace hotpath
