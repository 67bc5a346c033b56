#pragma once
// The PostgreSQL implementation of Connection over libpq. `?` parameters are rewritten to `$n`,
// every statement is prepared once per connection (cached by SQL text) and run with text values.
// Errors map by SQLSTATE: integrity violations (class 23) to kConflict; serialization failures,
// deadlocks and a lost connection to kUnavailable, and they set retryable() so the caller can run
// the whole transaction again.

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>

#include "storage/connection.h"

namespace hotpath::storage {

class PgRow final : public Row {
 public:
  PgRow(PGresult* res, int row) : res_(res), row_(row) {}
  [[nodiscard]] std::int64_t Int(int col) const override;
  [[nodiscard]] double Double(int col) const override;
  [[nodiscard]] std::string Text(int col) const override;
  [[nodiscard]] bool IsNull(int col) const override { return PQgetisnull(res_, row_, col) != 0; }

 private:
  PGresult* res_;
  int row_;
};

class PgConnection final : public Connection {
 public:
  // Connects to `dsn` (a postgresql:// URL or a libpq keyword string) within connect_timeout_s.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& dsn, int connect_timeout_s = 5);
  ~PgConnection() override;

  [[nodiscard]] Dialect dialect() const override { return Dialect::kPostgres; }
  Status Query(std::string_view sql, const std::vector<SqlValue>& params,
               const std::function<void(const Row&)>& on_row) override;
  Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  Status ExecScript(std::string_view sql) override;
  Status QueryLater(std::string_view sql, const std::vector<SqlValue>& params,
                    std::function<void(const Row&)> on_row) override;
  Status CollectPending() override;

  // True after a failure that running the transaction again may cure (40001, 40P01, lost
  // connection). Cleared by ClearRetryable().
  [[nodiscard]] bool retryable() const { return retryable_; }
  void ClearRetryable() { retryable_ = false; }
  // False once the server connection is gone; the owner replaces the connection.
  [[nodiscard]] bool healthy() const { return !lost_sync_ && PQstatus(conn_) == CONNECTION_OK; }
  // True while a transaction is open but failed (statements are refused until ROLLBACK).
  [[nodiscard]] bool in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

  // `?` placeholders outside quotes become $1, $2, ...
  static std::string RewritePlaceholders(std::string_view sql);

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Result<const std::string*> Prepare(std::string_view sql, const std::vector<SqlValue>& params);
  Result<std::int64_t> Run(std::string_view sql, const std::vector<SqlValue>& params,
                           const std::function<void(const Row&)>* on_row);
  Error ErrorFrom(const PGresult* res, std::string_view what);
  // Sends a prepared statement into the pipeline (entering pipeline mode first if needed);
  // `on_result` sees its result when it succeeded, at the next Collect.
  Status Send(const std::string& name, const std::vector<SqlValue>& params,
              std::function<void(PGresult*)> on_result);
  // Syncs the pipeline and reads every pending statement's result, in order, handing each
  // successful one to its statement's handler. Leaves pipeline mode. The first error is the outcome.
  Status Collect();
  // A broken pipeline or connection: the connection is no longer usable.
  Error LoseSync(std::string_view what);

  PGconn* conn_;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  bool retryable_ = false;
  // Handlers of the statements sent in pipeline mode whose results are unread (one each, maybe empty).
  std::vector<std::function<void(PGresult*)>> pending_;
  bool lost_sync_ = false;  // the pipeline could not be read back: results and statements no longer pair up
};

}  // namespace hotpath::storage
