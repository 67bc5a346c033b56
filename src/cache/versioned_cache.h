#pragma once
// Cache-aside with versioned keys, for data read far more than it changes (menus, restaurant lists,
// orders). Each cached value belongs to an entity ("menu:rst_1", "order:ord_1", "restaurants") whose
// version is a random token kept in the cache; a value is stored tagged with the version it was
// loaded under and is served only while that is still the entity's version. A reader gets the
// version and the value in one round trip.
//
// Changes: a writer marks the entity before its commit (BeginChange) and ends the mark after it
// (EndChange, also when the commit failed). While any mark is live the version reads "w<token>":
// readers load from the database and store nothing. The end sets a fresh version, so once an edit
// has returned no reader anywhere gets the old value: a reader that loaded it before the edit
// stored it under an old version, which nobody asks for any more. A writer killed between its
// commit and its end leaves the mark, which expires after `change_ttl`: the version key goes with
// it, and a reader that finds no version creates a fresh one (add-if-absent) before it loads, so
// nothing cached before the change is served after it. Data changed without a mark (Invalidate,
// after the commit) gets only the bump; see docs/cache.md for how orders cover the crash window.
//
// Near copies (GetNear / Revalidate): a value can also be kept in this process, tagged with its
// version; serving it needs only the version, read in a round trip that starts after the request
// arrived and that concurrent requests share (one MGET of the versions for all of them), so a
// change that returned before the request is always seen, from any process.
//
// Stampede guard: on a miss one caller (across every process sharing the cache) takes a short lock
// for that key and version and loads; the others wait up to `lock_wait` for its value, then load
// themselves rather than wait longer.
//
// Failures: when the cache cannot answer, the loader runs (the database serves) and nothing breaks.
// A mark or bump that failed is remembered and retried (as a bump) before this process trusts the
// cache again (while any is pending, reads go to the loader), so an edit made while the cache was
// unreachable is not followed by a stale read here once it is back. Values expire after `ttl` in
// any case. Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cache/cache.h"

namespace hotpath::cache {

struct VersionedOptions {
  Millis ttl = 300000;         // a cached value's lifetime
  Millis lock_ttl = 2000;      // a loader's lock outlives a crashed loader by at most this
  Millis lock_wait = 100;      // how long a caller waits for another's load
  Millis poll = 5;             // between its looks meanwhile
  Millis change_ttl = 10000;   // a change mark outlives a writer killed before its end by at most this
  std::size_t near_max = 4096; // near copies kept (all dropped when full: the working set refills)
  std::string prefix = "hp:";
};

struct VersionedStats {
  std::function<void(std::string_view result)> request;  // "hit" | "miss" | "bypass" (cache unusable)
};

class VersionedCache {
 public:
  using Loader = std::function<Result<std::string>()>;
  VersionedCache(Cache& cache, VersionedOptions options, VersionedStats stats = {});
  ~VersionedCache();

  // The value of `key` under `entity`: from the cache, or from `load` (then cached). Errors of
  // `load` are returned as they are and nothing is cached.
  Result<std::string> Get(const std::string& entity, const std::string& key, const Loader& load);

  // A value kept in this process too, with the version it was stored under (its ETag material).
  struct Near {
    std::string entity;
    std::string version;  // empty when served by the loader without a version (not kept)
    std::string value;
  };
  using NearPtr = std::shared_ptr<const Near>;
  // Get, keeping the value near (when it has a version).
  Result<NearPtr> GetNear(const std::string& entity, const std::string& key, const Loader& load);
  // This process's copy, if any (maybe stale: Revalidate before serving it). Never waits.
  NearPtr Peek(const std::string& entity, const std::string& key) const;
  // Calls `done(true)` when `near` is still current by a version read that started after this
  // call (shared with concurrent callers), `done(false)` otherwise (changed, being changed, cache
  // unusable: use GetNear). Never waits; `done` runs on the watcher thread and must not block.
  void Revalidate(NearPtr near, std::function<void(bool fresh)> done);

  // A change of `entity` is about to be committed; the token goes to EndChange. Never fails.
  std::string BeginChange(const std::string& entity);
  // The change is over (after the commit, or after it failed). Never fails.
  void EndChange(const std::string& entity, const std::string& token);
  // `entity` changed (call after the commit) with no mark before. Never fails.
  void Invalidate(const std::string& entity) { EndChange(entity, std::string()); }
  // The same bump, reporting whether the cache took it (and first every bump still pending here):
  // for a caller that retries until it did (orders::CacheBumper), rather than one remembered here.
  [[nodiscard]] Status Bump(const std::string& entity);
  [[nodiscard]] std::size_t PendingForTest() const;
  [[nodiscard]] std::size_t NearSizeForTest() const;

 private:
  bool FlushPending();  // true when nothing is pending any more
  void Pend(const std::string& entity);
  std::string VersionKey(const std::string& entity) const { return options_.prefix + "v:" + entity; }
  std::string MarksKey(const std::string& entity) const { return options_.prefix + "w:" + entity; }
  std::string DataKey(const std::string& entity, const std::string& key) const {
    return options_.prefix + "d:" + entity + (key.empty() ? "" : ":" + key);
  }
  // The value and its version (empty: not cacheable now) from the cache or `load`.
  Result<std::pair<std::string, std::string>> Lookup(const std::string& entity, const std::string& key,
                                                     const Loader& load);
  Result<std::string> Fill(const std::string& data_key, const std::string& lock_key, const std::string& version,
                           const Loader& load);
  void Keep(const std::string& entity, const std::string& key, NearPtr near);
  void WatchLoop();
  void Count(std::string_view result) const {
    if (stats_.request) stats_.request(result);
  }

  Cache& cache_;
  const VersionedOptions options_;
  const VersionedStats stats_;
  mutable std::mutex mu_;
  std::set<std::string> pending_;  // guarded by mu_: entities whose mark or bump failed
  std::atomic<bool> has_pending_{false};

  mutable std::mutex near_mu_;
  std::unordered_map<std::string, NearPtr> near_;  // guarded by near_mu_: entity + '\n' + key

  struct Waiter {
    NearPtr near;
    std::function<void(bool)> done;
  };
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::vector<Waiter> waiting_;  // guarded by watch_mu_
  bool stopping_ = false;        // guarded by watch_mu_
  std::thread watcher_;          // last: started once everything above exists
};

// A fresh version token (16 hex characters from the CSPRNG).
std::string NewVersion();

}  // namespace hotpath::cache
