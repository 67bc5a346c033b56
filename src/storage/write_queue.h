#pragma once
// Group commit: callers Submit() write units; one writer thread takes all the units waiting at
// that moment (up to max_batch) and hands them to the backend's batch runner, which runs them in
// one transaction and one durable commit, then wakes each caller.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "storage/connection.h"

namespace hotpath::storage {

struct WriteJob {
  std::function<bool(Connection&)> run;  // true: keep the unit's changes
  Status result = OkStatus();
  // Signalled once by the writer; a condition variable per job wakes exactly its waiter (a
  // semaphore would spin with sched_yield first, a shared condition variable wakes everyone).
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;  // guarded by mu
};

class WriteQueue {
 public:
  using BatchRunner = std::function<void(std::vector<WriteJob*>&)>;
  // Starts the writer thread; run_batch must set each job's result.
  WriteQueue(int max_batch, BatchRunner run_batch);
  ~WriteQueue();  // drains the queue, then joins the writer
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Blocks until the unit's batch has been committed (or failed).
  Status Submit(std::function<bool(Connection&)> run);

 private:
  void Loop();

  int max_batch_;
  BatchRunner run_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteJob*> queue_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::thread thread_;
};

}  // namespace hotpath::storage
