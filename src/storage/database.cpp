#include "storage/database.h"

#include <fmt/format.h>

#include "storage/migrations.h"

namespace hotpath::storage {

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  std::unique_ptr<Database> db(new Database(options));
  HP_ASSIGN(db->writer_, Connection::Open(options.path, false));
  for (int i = 0; i < options.read_connections; ++i) {
    HP_ASSIGN(auto reader, Connection::Open(options.path, true));
    db->idle_readers_.push_back(reader.get());
    db->readers_.push_back(std::move(reader));
  }
  db->writer_thread_ = std::thread([d = db.get()] { d->WriterLoop(); });
  return db;
}

Database::~Database() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
}

Status Database::Submit(std::function<bool(Connection&)> run) {
  Job job;
  job.run = std::move(run);
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Error::Unavailable("database is shutting down");
    queue_.push_back(&job);
  }
  queue_cv_.notify_one();
  std::unique_lock wait(job.mu);
  job.cv.wait(wait, [&] { return job.done; });
  return job.result;
}

void Database::WriterLoop() {
  std::vector<Job*> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    for (Job* j : batch) {
      std::lock_guard done(j->mu);  // notify under the lock: the job dies as soon as its waiter sees done
      j->done = true;
      j->cv.notify_one();
    }
    batch.clear();
  }
}

void Database::RunBatch(std::vector<Job*>& batch) {
  Connection& c = *writer_;
  if (auto st = c.ExecScript("BEGIN IMMEDIATE"); !st.ok()) {
    for (Job* j : batch) j->result = st;
    return;
  }
  auto& hooks = c.after_commit_hooks();
  hooks.clear();
  for (Job* j : batch) {
    std::size_t hooks_before = hooks.size();
    (void)c.Exec("SAVEPOINT unit");
    bool keep = false;
    try {
      keep = j->run(c);
    } catch (const std::exception& e) {
      j->result = Error::Internal(fmt::format("write failed: {}", e.what()));
    }
    if (!keep) {
      (void)c.Exec("ROLLBACK TO unit");
      hooks.resize(hooks_before);
    }
    (void)c.Exec("RELEASE unit");
  }
  if (auto st = c.ExecScript("COMMIT"); !st.ok()) {
    (void)c.ExecScript("ROLLBACK");
    for (Job* j : batch) j->result = Error::Unavailable("commit failed: " + st.error().message);
    hooks.clear();
    return;
  }
  for (auto& h : hooks) {
    try {
      h();
    } catch (...) {
      // A hook is a best-effort notification; the data is already durable.
    }
  }
  hooks.clear();
}

Database::Lease Database::AcquireReader() {
  std::unique_lock lock(readers_mu_);
  readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
  Lease l{idle_readers_.back()};
  idle_readers_.pop_back();
  return l;
}

void Database::ReleaseReader(Lease lease) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(lease.conn);
  }
  readers_cv_.notify_one();
}

Status Database::Migrate() {
  return Write<Ok>([](Connection& c) -> Result<Ok> { return ApplyMigrations(c); });
}

int Database::SchemaVersion() {
  auto r = Read<int>([](Connection& c) -> Result<int> { return CurrentVersion(c); });
  return r.ok() ? *r : -1;
}

}  // namespace hotpath::storage
