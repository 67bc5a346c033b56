#pragma once
// Database on SQLite. Reads run on a small pool of read-only WAL connections, concurrently.
// Writes go through one writer thread that groups the transactions waiting at that moment into a
// single SQLite transaction (each in its own SAVEPOINT, so one failing unit rolls back alone) and
// one fsync: many durable commits per disk flush.

#include <condition_variable>
#include <mutex>

#include "storage/database.h"
#include "storage/sqlite.h"
#include "storage/write_queue.h"

namespace hotpath::storage {

class SqliteDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~SqliteDatabase() override;

  Status Migrate() override;
  [[nodiscard]] int SchemaVersion() override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::kSqlite; }

 protected:
  Status Submit(std::function<bool(Connection&)> run, WriteLane lane) override;
  Status RunRead(const std::function<bool(Connection&)>& run, ReadFrom from) override;

 private:
  explicit SqliteDatabase(DatabaseOptions options) : options_(std::move(options)) {}
  void RunBatch(std::vector<WriteJob*>& batch);
  SqliteConnection* AcquireReader();
  void ReleaseReader(SqliteConnection* conn);

  DatabaseOptions options_;
  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<WriteQueue> queue_;  // after writer_: stopped (joined) first

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // all read connections
  std::vector<SqliteConnection*> idle_readers_;             // guarded by readers_mu_
};

}  // namespace hotpath::storage
