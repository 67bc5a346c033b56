#pragma once
// Revoked bearer tokens (POST /v1/auth/logout). Tokens are stateless, so a revoked one stays valid
// by its signature until it expires; every authenticated request asks here too.
//
// The database table `revoked_tokens` is the truth (durable, shared by every process on the
// database). Where the check is answered:
// - with a shared cache (Redis): `hp:rv:<token id>` keys expiring with their tokens, loaded from the
//   database whenever the marker `hp:rv:loaded` is missing (a new or restarted Redis), one MGET
//   per check; when Redis fails, the database answers; a key that could not be written is
//   retried before Redis is trusted again;
// - without one, one process (role single): an in-memory set loaded at start;
// - without one, several processes (a cluster on one database): the database, on every check.
// Thread-safe.

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "cache/cache.h"
#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace hotpath::identity {

class Revocations {
 public:
  // `shared` may be null; `single_process` picks the in-memory set when it is.
  Revocations(storage::Database& db, const Clock& clock, cache::Cache* shared, bool single_process);
  // At start: loads the in-memory set (single process without a shared cache), or makes every
  // process reload the shared cache's copy from the database (a crash may have left one out).
  Status Load();
  // Durable once it returns; `expires_at` (epoch ms) is the token's own expiry.
  Status Revoke(const std::string& token_id, Millis expires_at);
  // kUnavailable only when neither the cache nor the database can answer.
  Result<bool> IsRevoked(const std::string& token_id);

 private:
  Result<bool> FromDatabase(const std::string& token_id);
  Result<bool> FromCache(const std::string& token_id);  // kUnavailable: ask the database
  bool FlushPending();
  storage::Database& db_;
  const Clock& clock_;
  cache::Cache* shared_;
  const bool local_;  // in-memory set
  std::mutex mu_;
  std::unordered_map<std::string, Millis> local_set_;  // guarded by mu_ (local_ only)
  std::unordered_map<std::string, Millis> pending_;    // guarded by mu_: not yet written to the cache
  bool reload_pending_ = false;                        // guarded by mu_: the start's marker delete failed
  std::atomic<bool> has_pending_{false};
};

}  // namespace hotpath::identity
