#pragma once
// Thin RAII wrappers over the SQLite C API: a connection with a prepared-statement cache and a
// statement cursor. Errors come back as Result values; constraint violations map to kConflict.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace hotpath::storage {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class Row {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  [[nodiscard]] std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  [[nodiscard]] std::string Text(int col) const;
  [[nodiscard]] bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  [[nodiscard]] std::optional<std::string> OptText(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) in WAL mode with foreign keys on and a busy timeout.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement (cached by SQL text) with `?` parameters; calls `on_row` per result row.
  Status Query(std::string_view sql, const std::vector<SqlValue>& params,
               const std::function<void(const Row&)>& on_row);
  // Runs a statement that returns no rows; returns the number of changed rows.
  Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params = {});
  // Several statements, no parameters (schema, BEGIN/COMMIT).
  Status ExecScript(std::string_view sql);
  [[nodiscard]] std::int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

  // Runs `fn` after the enclosing write transaction commits (in commit order, on the writer
  // thread; must not block); dropped if the unit rolls back. Used to publish live events in the
  // order they became durable.
  void AfterCommit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  std::vector<std::function<void()>>& after_commit_hooks() { return after_commit_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  Error ErrorFrom(int rc, std::string_view what) const;
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
  std::vector<std::function<void()>> after_commit_;
};

}  // namespace hotpath::storage
