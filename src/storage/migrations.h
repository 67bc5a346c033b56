#pragma once
// Versioned schema migrations. All pending ones run in one write transaction (DDL is transactional
// in SQLite and PostgreSQL), so a failing migration leaves the schema as it was. The list only
// grows; a released migration is never edited. SQL is written once per dialect where it differs
// (types, sequences): `postgres` is null when `sql` is valid for both.

#include <vector>

#include "core/result.h"
#include "storage/connection.h"

namespace hotpath::storage {

struct Migration {
  int version;
  const char* name;
  const char* sql;                 // SQLite (and PostgreSQL when `postgres` is null)
  const char* postgres = nullptr;  // PostgreSQL
};

const std::vector<Migration>& AllMigrations();
Result<Ok> ApplyMigrations(Connection& c);
// Applies `list` (ascending versions); for tests of a failing migration.
Result<Ok> ApplyMigrations(Connection& c, const std::vector<Migration>& list);
Result<int> CurrentVersion(Connection& c);

}  // namespace hotpath::storage
