#pragma once
// Versioned schema migrations. Each runs in the writer's transaction, so a failing migration leaves
// the schema as it was. The list only grows; a released migration is never edited.

#include "core/result.h"
#include "storage/sqlite.h"

namespace hotpath::storage {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& AllMigrations();
Result<Ok> ApplyMigrations(Connection& c);
Result<int> CurrentVersion(Connection& c);

}  // namespace hotpath::storage
