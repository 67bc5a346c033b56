#pragma once
// A small key-value cache behind which hot data, rate-limit buckets and token revocations live:
// in-process (MemoryCache) on one machine, Redis (RedisCache, hiredis) when several api processes
// share it. The cache is an accelerator, never the source of truth: every caller has a database
// path for when an operation fails (kUnavailable), and no caller turns a cache failure into a
// failed request.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace hotpath::cache {

struct TokenDecision {
  bool allowed = false;
  Millis retry_after_ms = 0;  // when refused: until one token is back
};

class Cache {
 public:
  virtual ~Cache() = default;
  // The values of `keys`, in order (nullopt: absent or expired). One round trip.
  virtual Result<std::vector<std::optional<std::string>>> Get(const std::vector<std::string>& keys) = 0;
  // Stores `value`; it expires after `ttl` (0: never).
  virtual Status Set(const std::string& key, const std::string& value, Millis ttl) = 0;
  // Stores `value` only when the key is absent (a lock); true when this call stored it.
  virtual Result<bool> Add(const std::string& key, const std::string& value, Millis ttl) = 0;
  virtual Status Delete(const std::string& key) = 0;
  // Takes one token from the bucket `key` refilled at `rate` tokens per second up to `burst`
  // (a full bucket when new). Atomic: processes sharing the cache share the bucket.
  virtual Result<TokenDecision> TakeToken(const std::string& key, double rate, double burst) = 0;
  // Change marks (VersionedCache): `writer` is about to change the data versioned by `version_key`,
  // until it calls EndChange or `ttl` passes. The version becomes "w" + `new_version` (a version
  // under which nothing is stored) and expires with the last live mark; `marks_key` holds the live
  // marks (writer -> deadline). Atomic against other callers.
  virtual Status BeginChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                             const std::string& new_version, Millis ttl) = 0;
  // `writer`'s change is over (committed or not; an unknown writer is fine: a plain bump). The
  // version becomes `new_version` when no other live mark remains, else "w" + `new_version`
  // expiring with the last of them. Atomic against other callers.
  virtual Status EndChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                           const std::string& new_version) = 0;
  // "memory:" or the Redis URL without its password.
  [[nodiscard]] virtual std::string Describe() const = 0;
  // True when several processes see the same data (Redis).
  [[nodiscard]] virtual bool Shared() const = 0;
};

}  // namespace hotpath::cache
