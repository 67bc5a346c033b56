#pragma once
// The SQLite implementation of Connection: thin RAII wrappers over the SQLite C API with a
// prepared-statement cache.

#include <sqlite3.h>

#include <map>
#include <memory>

#include "storage/connection.h"

namespace hotpath::storage {

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  [[nodiscard]] std::int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] double Double(int col) const override { return sqlite3_column_double(stmt_, col); }
  [[nodiscard]] std::string Text(int col) const override;
  [[nodiscard]] bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public Connection {
 public:
  // Opens (creating if needed) in WAL mode with foreign keys on and a busy timeout.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool read_only);
  ~SqliteConnection() override;

  [[nodiscard]] Dialect dialect() const override { return Dialect::kSqlite; }
  Status Query(std::string_view sql, const std::vector<SqlValue>& params,
               const std::function<void(const Row&)>& on_row) override;
  Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  Status ExecScript(std::string_view sql) override;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  Error ErrorFrom(int rc, std::string_view what) const;
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

}  // namespace hotpath::storage
