#pragma once
// Timed tasks on a pool of worker threads, each with its own kept-alive HTTP client. The simulator's
// actors are chains of tasks: a task does its requests and schedules the actor's next step.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "simulate/http_client.h"

namespace hotpath::simulate {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using Task = std::function<void(HttpClient&)>;

  Scheduler(std::string base_url, int workers);
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void At(Clock::time_point due, Task task);
  void After(double real_seconds, Task task);
  // Runs fn(client, i) for i in [0, n) on the workers and waits for all of them.
  void ParallelFor(int n, const std::function<void(HttpClient&, int)>& fn);
  // Drops tasks not yet started, waits for running ones, joins the workers. Idempotent.
  void Stop();

 private:
  struct Entry {
    Clock::time_point due;
    std::uint64_t seq;
    Task task;
    bool operator>(const Entry& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  void Work();

  std::string base_url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;  // GUARDED_BY(mu_)
  std::uint64_t seq_ = 0;                                                  // GUARDED_BY(mu_)
  bool stopping_ = false;                                                  // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;
};

}  // namespace hotpath::simulate
