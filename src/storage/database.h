#pragma once
// The transactional store. Reads run on a small pool of read-only WAL connections, concurrently.
// Writes go through one writer thread that groups the transactions waiting at that moment into a
// single SQLite transaction (each in its own SAVEPOINT, so one failing unit rolls back alone) and
// one fsync: many durable commits per disk flush. Write() returns only after the group's COMMIT
// is on disk, so whatever a caller acknowledges survives kill -9.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/trace.h"
#include "storage/sqlite.h"

namespace hotpath::storage {

struct DatabaseOptions {
  std::string path;  // SQLite file
  int read_connections = 4;
  int max_batch = 256;  // transactions per group commit
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `fn` inside a write transaction unit. If fn returns an error its changes are rolled back
  // and the error returned; otherwise its result is returned after the commit is durable.
  template <typename T>
  Result<T> Write(const std::function<Result<T>(Connection&)>& fn) {
    std::optional<Result<T>> out;
    // The unit runs on the writer thread with the caller's request context (log lines, trace ids
    // stamped on outbox events).
    const RequestContext& context = CurrentRequestContext();
    Status st = Submit([&](Connection& c) -> bool {
      RequestScope scope(context);
      out.emplace(fn(c));
      return out->ok();
    });
    if (!st.ok()) return std::move(st).error();
    if (!out) return Error::Internal("write unit did not run");
    return std::move(*out);
  }

  // Runs `fn` on a read connection (a consistent snapshot for the duration of fn).
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Connection&)>& fn) {
    auto lease = AcquireReader();
    if (!lease.conn) return Error::Unavailable("no read connection");
    Result<T> r = [&]() -> Result<T> {
      auto begin = lease.conn->ExecScript("BEGIN");
      if (!begin.ok()) return std::move(begin).error();
      Result<T> v = fn(*lease.conn);
      (void)lease.conn->ExecScript("COMMIT");
      return v;
    }();
    ReleaseReader(lease);
    return r;
  }

  // Applies pending schema migrations (see migrations.h); idempotent.
  Status Migrate();
  [[nodiscard]] int SchemaVersion();

 private:
  struct Job {
    std::function<bool(Connection&)> run;  // true: keep the unit's changes
    Status result = OkStatus();
    // Signalled once by the writer; a condition variable per job wakes exactly its waiter (a
    // semaphore would spin with sched_yield first, a shared condition variable wakes everyone).
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;  // guarded by mu
  };
  struct Lease {
    Connection* conn = nullptr;
  };
  explicit Database(DatabaseOptions options) : options_(std::move(options)) {}
  Status Submit(std::function<bool(Connection&)> run);
  void WriterLoop();
  void RunBatch(std::vector<Job*>& batch);
  Lease AcquireReader();
  void ReleaseReader(Lease lease);

  DatabaseOptions options_;
  std::unique_ptr<Connection> writer_;
  std::mutex mu_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread writer_thread_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;  // all read connections
  std::vector<Connection*> idle_readers_;             // guarded by readers_mu_
};

}  // namespace hotpath::storage
