#include "storage/write_queue.h"

namespace hotpath::storage {

WriteQueue::WriteQueue(int max_batch, BatchRunner run_batch, int writers)
    : max_batch_(max_batch < 1 ? 1 : max_batch), run_batch_(std::move(run_batch)) {
  for (int i = 0; i < (writers < 1 ? 1 : writers); ++i) threads_.emplace_back([this, i] { Loop(i); });
}

WriteQueue::~WriteQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Status WriteQueue::Submit(std::function<bool(Connection&)> run) {
  WriteJob job;
  job.run = std::move(run);
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Error::Unavailable("database is shutting down");
    queue_.push_back(&job);
  }
  cv_.notify_one();
  std::unique_lock wait(job.mu);
  job.cv.wait(wait, [&] { return job.done; });
  return job.result;
}

void WriteQueue::Loop(int writer) {
  std::vector<WriteJob*> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    run_batch_(writer, batch);
    for (WriteJob* j : batch) {
      std::lock_guard done(j->mu);  // notify under the lock: the job dies as soon as its waiter sees done
      j->done = true;
      j->cv.notify_one();
    }
    batch.clear();
  }
}

}  // namespace hotpath::storage
