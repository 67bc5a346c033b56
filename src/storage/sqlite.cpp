#include "storage/sqlite.h"

#include <fmt/format.h>

namespace hotpath::storage {

std::string SqliteRow::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error::Unavailable(fmt::format("cannot open database {}: {}", path, msg));
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, 10000);
  // synchronous=FULL: a commit is on disk (WAL fsync) before it is acknowledged. temp_store=MEMORY:
  // savepoint sub-journals stay in memory instead of temporary files (fewer writes per order).
  const char* pragmas = read_only
                            ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                            : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
  HP_TRY(conn->ExecScript(pragmas));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Error SqliteConnection::ErrorFrom(int rc, std::string_view what) const {
  int primary = rc & 0xff;
  std::string msg = fmt::format("{}: {}", what, sqlite3_errmsg(db_));
  if (primary == SQLITE_CONSTRAINT) return Error::Conflict(msg);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR || primary == SQLITE_FULL)
    return Error::Unavailable(msg);
  return Error::Internal(msg);
}

Result<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return ErrorFrom(rc, fmt::format("prepare '{}'", sql));
  cache_.emplace(std::string(sql), stmt);
  return stmt;
}

Status SqliteConnection::Query(std::string_view sql, const std::vector<SqlValue>& params,
                               const std::function<void(const Row&)>& on_row) {
  HP_ASSIGN(sqlite3_stmt * stmt, Prepare(sql));
  struct Reset {
    sqlite3_stmt* s;
    ~Reset() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } reset{stmt};
  for (std::size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>)
            return sqlite3_bind_null(stmt, idx);
          else if constexpr (std::is_same_v<T, std::int64_t>)
            return sqlite3_bind_int64(stmt, idx, v);
          else if constexpr (std::is_same_v<T, double>)
            return sqlite3_bind_double(stmt, idx, v);
          else
            return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        },
        params[i]);
    if (rc != SQLITE_OK) return ErrorFrom(rc, "bind");
  }
  SqliteRow row(stmt);
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      if (on_row) on_row(row);
      continue;
    }
    if (rc == SQLITE_DONE) return OkStatus();
    return ErrorFrom(rc, "step");
  }
}

Result<std::int64_t> SqliteConnection::Exec(std::string_view sql, const std::vector<SqlValue>& params) {
  HP_TRY(Query(sql, params, nullptr));
  return static_cast<std::int64_t>(sqlite3_changes(db_));
}

Status SqliteConnection::ExecScript(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = ErrorFrom(rc, "exec");
    e.message = "sql: " + msg;
    return e;
  }
  return OkStatus();
}

}  // namespace hotpath::storage
