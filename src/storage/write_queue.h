#pragma once
// Group commit: callers Submit() write units; a writer thread takes all the units waiting at that
// moment (up to max_batch) and hands them to the backend's batch runner, which runs them in one
// transaction and one durable commit, then wakes each caller. With several writer threads, a unit
// that arrives while one writer commits is taken by an idle one (each runs its own batches, on its
// own connection: the runner is told which writer calls it).

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
  // Called on writer thread `writer` (0 .. writers-1) with the units it took.
  using BatchRunner = std::function<void(int writer, std::vector<WriteJob*>&)>;
  // Starts the writer threads; run_batch must set each job's result.
  WriteQueue(int max_batch, BatchRunner run_batch, int writers = 1);
  ~WriteQueue();  // drains the queue, then joins the writers
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Blocks until the unit's batch has been committed (or failed).
  Status Submit(std::function<bool(Connection&)> run);

 private:
  void Loop(int writer);

  int max_batch_;
  BatchRunner run_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteJob*> queue_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace hotpath::storage
