#pragma once
// The SQL connection seen by the services: `?` parameters, rows read by column index, errors as
// Result values (constraint violations map to kConflict, transient failures to kUnavailable).
// Implemented by SQLite (sqlite.h) and PostgreSQL (postgres.h); SQL that differs by dialect is
// chosen with dialect().

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace hotpath::storage {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

enum class Dialect { kSqlite, kPostgres };

class Row {
 public:
  virtual ~Row() = default;
  [[nodiscard]] virtual std::int64_t Int(int col) const = 0;
  [[nodiscard]] virtual double Double(int col) const = 0;
  [[nodiscard]] virtual std::string Text(int col) const = 0;
  [[nodiscard]] virtual bool IsNull(int col) const = 0;
  [[nodiscard]] std::optional<std::string> OptText(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Text(col);
  }
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] virtual Dialect dialect() const = 0;
  // Runs a statement (prepared once per connection, cached by SQL text) with `?` parameters;
  // calls `on_row` per result row.
  virtual Status Query(std::string_view sql, const std::vector<SqlValue>& params,
                       const std::function<void(const Row&)>& on_row) = 0;
  // Runs a statement that returns no rows; returns the number of changed rows.
  virtual Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Several statements, no parameters (schema, BEGIN/COMMIT).
  virtual Status ExecScript(std::string_view sql) = 0;
  // A statement whose outcome the unit need not see before its next statement: PostgreSQL sends it
  // without waiting (libpq pipeline mode) and the next Query/Exec travels with it, so a write unit
  // of several rows costs one round trip to the server instead of one per statement. An error of
  // such a statement is returned by the next statement call (possibly of the next unit in the
  // group commit, which then runs its units again one savepoint each to pin the failure on the
  // right one), or fails the unit at commit. SQLite runs it at once. Only for statements whose
  // changed-row count and specific error the unit does not act on.
  virtual Status ExecLater(std::string_view sql, const std::vector<SqlValue>& params) {
    return QueryLater(sql, params, {});
  }
  // ExecLater for a statement whose rows the unit wants, but not before its end: `on_row` runs when
  // the pipeline is read back (at the unit's next waiting statement, at CollectPending, at the
  // latest before COMMIT, so before the unit's AfterCommit hooks and before Write() returns). A
  // unit that places many such statements costs the group commit no round trip of its own. The
  // rows may be delivered again if the batch is retried (units run again). SQLite runs it at once.
  virtual Status QueryLater(std::string_view sql, const std::vector<SqlValue>& params,
                            std::function<void(const Row&)> on_row) {
    return Query(sql, params, on_row ? on_row : [](const Row&) {});
  }
  // Waits for every statement sent by ExecLater/QueryLater; the first error among them, if any.
  virtual Status CollectPending() { return OkStatus(); }

  // Runs `fn` after the enclosing write transaction commits (on its writer's thread, one batch at a
  // time; commit order per writer and per key, see WriteLane; must not block); dropped if the unit
  // rolls back. Used to publish live events in the order they became durable.
  void AfterCommit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  std::vector<std::function<void()>>& after_commit_hooks() { return after_commit_; }

 private:
  std::vector<std::function<void()>> after_commit_;
};

}  // namespace hotpath::storage
