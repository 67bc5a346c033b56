#pragma once
// Cache-aside with versioned keys, for data read far more than it changes (menus, restaurant lists,
// orders). Each cached value belongs to an entity ("menu:rst_1", "order:ord_1", "restaurants") whose
// version is a random token kept in the cache; a value is stored tagged with the version it was
// loaded under and is served only while that is still the entity's version. A change bumps the
// version after its commit (Invalidate), so once an edit has returned no reader anywhere gets the
// old value: a reader that loaded it before the edit stored it under the old version, which nobody
// asks for any more. A reader gets the version and the value in one round trip.
//
// Stampede guard: on a miss one caller (across every process sharing the cache) takes a short lock
// for that key and version and loads; the others wait up to `lock_wait` for its value, then load
// themselves rather than wait longer.
//
// Crashes: a process killed between a commit and its bump would leave the old value valid, so
// every value is also tagged with a cache-wide epoch that each process start replaces (StartEpoch):
// a restart after a crash drops everything cached before it.
//
// Failures: when the cache cannot answer, the loader runs (the database serves) and nothing breaks.
// A version bump that failed is remembered and retried before this process trusts the cache again
// (while any is pending, reads go to the loader), so an edit made while the cache was unreachable
// is not followed by a stale read here once it is back. Values expire after `ttl` in any case.
// Thread-safe.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "cache/cache.h"

namespace hotpath::cache {

struct VersionedOptions {
  Millis ttl = 300000;       // a cached value's lifetime
  Millis lock_ttl = 2000;    // a loader's lock outlives a crashed loader by at most this
  Millis lock_wait = 100;    // how long a caller waits for another's load
  Millis poll = 5;           // between its looks meanwhile
  std::string prefix = "hp:";
};

struct VersionedStats {
  std::function<void(std::string_view result)> request;  // "hit" | "miss" | "bypass" (cache unusable)
};

class VersionedCache {
 public:
  using Loader = std::function<Result<std::string>()>;
  VersionedCache(Cache& cache, VersionedOptions options, VersionedStats stats = {});

  // The value of `key` under `entity`: from the cache, or from `load` (then cached). Errors of
  // `load` are returned as they are and nothing is cached.
  Result<std::string> Get(const std::string& entity, const std::string& key, const Loader& load);
  // `entity` changed (call after the commit). Never fails: see the header comment.
  void Invalidate(const std::string& entity);
  // A process starts: nothing cached before is trusted any more (see the header comment).
  void StartEpoch() { Invalidate(kEpoch); }
  static constexpr const char* kEpoch = "epoch";
  [[nodiscard]] std::size_t PendingForTest() const;

 private:
  bool FlushPending();  // true when nothing is pending any more
  std::string VersionKey(const std::string& entity) const { return options_.prefix + "v:" + entity; }
  Result<std::string> Fill(const std::string& data_key, const std::string& lock_key, const std::string& version,
                           const Loader& load);
  void Count(std::string_view result) const {
    if (stats_.request) stats_.request(result);
  }

  Cache& cache_;
  const VersionedOptions options_;
  const VersionedStats stats_;
  mutable std::mutex mu_;
  std::set<std::string> pending_;  // guarded by mu_: entities whose bump failed
  std::atomic<bool> has_pending_{false};
};

// A fresh version token (16 hex characters from the CSPRNG).
std::string NewVersion();

}  // namespace hotpath::cache
