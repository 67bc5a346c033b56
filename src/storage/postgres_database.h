#pragma once
// Database on PostgreSQL. Writes use the same group commit as SQLite (one writer connection, the
// waiting units of one moment in one transaction) so a burst of writes costs one WAL flush;
// WriteLane::kIndependent units (order placements) have `writers` more connections of their own,
// each with its own group commit, so their round trips and WAL flushes overlap. The transactions
// are SERIALIZABLE, so units of several api processes writing the
// same rows (money, order versions, rider claims) are serialised by the server. A serialization
// failure, deadlock or lost connection before COMMIT runs the whole batch again on a fresh
// transaction (units are re-runnable, see Database::Write); a connection lost during COMMIT
// reports the outcome as unknown rather than risk applying twice.
// Reads use a pool of connections per server, each read in a REPEATABLE READ READ ONLY snapshot.
// ReadFrom::kReplica reads go to a replica (round robin) that is up and has replayed the WAL up to
// the last commit of this process (its position is taken after every COMMIT when replicas are
// configured), else to the primary. A replica that refuses connections is skipped for 2 s.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "storage/database.h"
#include "storage/postgres.h"
#include "storage/write_queue.h"

namespace hotpath::storage {

// Connections to one server, opened on demand up to `size`, reused, replaced when broken.
class PgPool {
 public:
  PgPool(std::string name, std::string dsn, int size)
      : name_(std::move(name)), dsn_(std::move(dsn)), size_(size) {}
  ~PgPool();
  Result<PgConnection*> Acquire();
  void Release(PgConnection* c);  // a broken connection is closed instead of pooled
  [[nodiscard]] const std::string& name() const { return name_; }
  std::atomic<std::int64_t> reads{0};  // reads served from this server

 private:
  std::string name_;
  std::string dsn_;
  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PgConnection*> idle_;  // guarded by mu_
  int open_ = 0;                     // guarded by mu_
};

class PgDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~PgDatabase() override;

  Status Migrate() override;
  [[nodiscard]] int SchemaVersion() override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::kPostgres; }
  [[nodiscard]] std::vector<PoolStats> Stats() const override;

 protected:
  Status Submit(std::function<bool(Connection&)> run, WriteLane lane) override;
  Status RunRead(const std::function<bool(Connection&)>& run, ReadFrom from) override;

 private:
  struct Replica {
    std::unique_ptr<PgPool> pool;
    std::atomic<std::uint64_t> replayed{0};  // last replay position seen (monotonic)
    std::mutex mu;
    std::chrono::steady_clock::time_point down_until{};  // guarded by mu
  };
  // One writer connection and the thread that uses it.
  struct Writer {
    std::unique_ptr<PgConnection> conn;  // null after a loss; reopened by the next batch
    // SERIALIZABLE on the ordered writer. REPEATABLE READ on the independent ones: their units only
    // insert rows of their own, and SERIALIZABLE's predicate locks made concurrent placements fail
    // each other (the foreign-key checks of an order's lines read the orders_pkey page that the other
    // placements insert into: "pivot" 40001s on most batches, measured in the benchmark). A key
    // committed concurrently still fails ON CONFLICT with 40001 under REPEATABLE READ.
    const char* begin = "BEGIN ISOLATION LEVEL SERIALIZABLE";
  };
  explicit PgDatabase(DatabaseOptions options) : options_(std::move(options)) {}
  void RunBatch(Writer& w, std::vector<WriteJob*>& batch);
  // kIsolate: a unit failed in a batch run without savepoints; run it again with them.
  enum class Attempt { kDone, kRetry, kIsolate };
  Attempt TryBatch(Writer& w, std::vector<WriteJob*>& batch, bool savepoints);
  void RunHooks(std::vector<std::function<void()>>& hooks);
  Status ReadOn(PgPool& pool, const std::function<bool(Connection&)>& run);
  PgPool* PickReplica();
  bool CaughtUp(Replica& r, PgConnection& c, std::uint64_t needed);

  DatabaseOptions options_;
  Writer ordered_;                   // used by the ordered writer thread only
  std::vector<Writer> independent_;  // [i] used by independent writer thread i only
  std::mutex hooks_mu_;              // after-commit hooks run one batch at a time, whichever writer
  std::unique_ptr<PgPool> primary_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::atomic<std::size_t> next_replica_{0};
  std::atomic<std::uint64_t> committed_lsn_{0};  // WAL position after this process's last commit
  std::unique_ptr<WriteQueue> independent_queue_;  // null when writers = 0; stopped (joined) first
  std::unique_ptr<WriteQueue> queue_;              // last: stopped (joined) first
};

}  // namespace hotpath::storage
