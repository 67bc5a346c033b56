#pragma once
// The transactional store behind every service. Two implementations share the contract:
// - SQLite (sqlite_database.h): one writer thread groups waiting transactions into one commit.
// - PostgreSQL (postgres_database.h): the same group commit over libpq, SERIALIZABLE, retried on
//   serialization failures and dropped connections; reads from a pool, optionally on replicas.
// Write() returns only after the commit is durable, so whatever a caller acknowledges survives
// kill -9 (of hotpath or of the database server).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/trace.h"
#include "storage/connection.h"

namespace hotpath::storage {

struct DatabaseOptions {
  std::string path;                   // SQLite file (when url is empty or "sqlite:PATH")
  std::string url;                    // "sqlite:PATH" or "postgresql://user@host:port/db"
  std::vector<std::string> replicas;  // PostgreSQL read replicas (DSNs)
  int read_connections = 4;           // read pool size (per server for PostgreSQL)
  int max_batch = 256;                // transactions per group commit
  int writers = 0;                    // PostgreSQL: connections for WriteLane::kIndependent units
};

// Which writer runs a unit. kOrdered: the one ordered writer connection of this process (group
// commit; after-commit hooks in commit order; units that update shared rows, such as counters,
// meet in one transaction instead of conflicting). kIndependent: units that only insert rows of
// their own (uniqueness enforced by constraints), such as an order placement. On PostgreSQL with
// `writers` > 0 they run on that many other connections, each with its own group commit, so the
// commits of several batches overlap; their hooks are serialised with the ordered writer's but not
// in global commit order (per key order holds: see storage/outbox_order.h). Elsewhere (SQLite, or
// writers = 0) both lanes are the one writer.
enum class WriteLane { kOrdered, kIndependent };

bool IsPostgresUrl(std::string_view url);

// Where a read may be served: kPrimary by default; kReplica for menus, restaurant lists, order
// history and analytics, which a replica serves only once it has replayed every write this process
// has acknowledged (so a caller always reads its own writes, and caches filled from a replica are
// never older than the last edit made here); otherwise, or when no replica answers, the primary does.
enum class ReadFrom { kPrimary, kReplica };

struct PoolStats {
  std::string pool;        // "primary", "replica0", ...
  std::int64_t reads = 0;  // read transactions served
};

class Database {
 public:
  // Opens the backend named by options.url (or the SQLite file options.path).
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  virtual ~Database() = default;
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `fn` inside a write transaction unit. If fn returns an error its changes are rolled back
  // and the error returned; otherwise its result is returned after the commit is durable. fn may
  // run more than once (a retried serialization failure): it must have no effect outside the
  // connection other than through Connection::AfterCommit.
  template <typename T>
  Result<T> Write(const std::function<Result<T>(Connection&)>& fn, WriteLane lane = WriteLane::kOrdered) {
    std::optional<Result<T>> out;
    // The unit runs on the writer thread with the caller's request context (log lines, trace ids
    // stamped on outbox events).
    const RequestContext& context = CurrentRequestContext();
    Status st = Submit([&](Connection& c) -> bool {
      RequestScope scope(context);
      out.emplace(fn(c));
      return out->ok();
    }, lane);
    if (!st.ok()) return std::move(st).error();
    if (!out) return Error::Internal("write unit did not run");
    return std::move(*out);
  }

  // Runs `fn` on a read connection (a consistent snapshot for the duration of fn).
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Connection&)>& fn, ReadFrom from = ReadFrom::kPrimary) {
    std::optional<Result<T>> out;
    Status st = RunRead(
        [&](Connection& c) {
          out.emplace(fn(c));
          return out->ok();
        },
        from);
    if (out && (out->ok() || st.ok())) return std::move(*out);
    if (!st.ok()) return std::move(st).error();
    return Error::Internal("read did not run");
  }
  // Read() from a replica when one is configured and has caught up (see ReadFrom).
  template <typename T>
  Result<T> ReadReplica(const std::function<Result<T>(Connection&)>& fn) {
    return Read<T>(fn, ReadFrom::kReplica);
  }

  // Applies pending schema migrations (see migrations.h) in one transaction; idempotent.
  virtual Status Migrate() = 0;
  [[nodiscard]] virtual int SchemaVersion() = 0;
  [[nodiscard]] virtual Dialect dialect() const = 0;
  // Reads served per server (PostgreSQL); empty for SQLite.
  [[nodiscard]] virtual std::vector<PoolStats> Stats() const { return {}; }

 protected:
  // Runs `run` as one unit of a write transaction on `lane`; true keeps its changes.
  virtual Status Submit(std::function<bool(Connection&)> run, WriteLane lane) = 0;
  // Runs `run` in a read-only snapshot; may run it again on another connection if the first one
  // failed underneath (reads have no side effects).
  virtual Status RunRead(const std::function<bool(Connection&)>& run, ReadFrom from) = 0;
};

}  // namespace hotpath::storage
