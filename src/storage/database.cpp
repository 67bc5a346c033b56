#include "storage/database.h"

#include <fmt/format.h>

#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"

namespace hotpath::storage {

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (options.url.empty()) return SqliteDatabase::Open(options);
  if (options.url.rfind("sqlite:", 0) == 0) {
    DatabaseOptions o = options;
    o.path = options.url.substr(std::string_view("sqlite:").size());
    return SqliteDatabase::Open(o);
  }
  if (IsPostgresUrl(options.url)) {
    for (const auto& r : options.replicas) {
      if (!IsPostgresUrl(r)) return Error::Invalid(fmt::format("replica '{}' is not a postgresql:// URL", r));
    }
    return PgDatabase::Open(options);
  }
  return Error::Invalid(
      fmt::format("unsupported database URL '{}' (sqlite:PATH or postgresql://...)", options.url));
}

}  // namespace hotpath::storage
