#include "simulate/scheduler.h"

#include <atomic>

namespace hotpath::simulate {

Scheduler::Scheduler(std::string base_url, int workers) : base_url_(std::move(base_url)) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::At(Clock::time_point due, Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push(Entry{due, seq_++, std::move(task)});
  }
  cv_.notify_one();
}

void Scheduler::After(double real_seconds, Task task) {
  At(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(real_seconds)),
     std::move(task));
}

void Scheduler::ParallelFor(int n, const std::function<void(HttpClient&, int)>& fn) {
  std::mutex done_mu;
  std::condition_variable done_cv;
  int left = n;
  for (int i = 0; i < n; ++i) {
    At(Clock::now(), [&, i](HttpClient& http) {
      fn(http, i);
      std::lock_guard lock(done_mu);
      if (--left == 0) done_cv.notify_all();
    });
  }
  std::unique_lock lock(done_mu);
  done_cv.wait(lock, [&] { return left == 0; });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    while (!queue_.empty()) queue_.pop();
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void Scheduler::Work() {
  HttpClient http(base_url_);
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto due = queue_.top().due;
    if (due > Clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    Task task = std::move(const_cast<Entry&>(queue_.top()).task);
    queue_.pop();
    lock.unlock();
    task(http);
    lock.lock();
  }
}

}  // namespace hotpath::simulate
