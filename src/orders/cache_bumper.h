#pragma once
// The at-least-once backstop of the shared cache's order copies, driven by the change events: every
// committed order event after `order.placed` (nothing can be cached of an order before its
// placement committed) bumps `order:<id>` in the shared cache (Redis), read from the outbox in relay
// order (storage/outbox_order.h) after a position kept in the database (`outbox_cache_bumps`,
// migration 12). The position moves only past rows whose bumps all succeeded, so a bump missed by its
// writer (killed after its commit, or Redis unreachable from it: docs/cache.md) is applied once the
// cache answers here, by whichever process runs the bumper next, after a crash or restart too.
// The writers' own change marks and bumps keep a read after a change's response fresh; this makes
// a missed bump end (it does not make the window before it shorter than one pass).
//
// Runs in the process that relays the outbox (single, or a cluster's primary): one pass every
// `interval`, which reads the rows after the position (2000 at most per statement) and writes the
// position back when it read any. The first start begins at the outbox's end (the start-up bump of
// recently changed orders covers what came before).

#include <chrono>
#include <mutex>
#include <optional>

#include "cache/versioned_cache.h"
#include "core/log.h"
#include "core/periodic_worker.h"
#include "storage/database.h"
#include "storage/outbox_order.h"

namespace hotpath::orders {

class CacheBumper {
 public:
  CacheBumper(storage::Database& db, cache::VersionedCache& cache, const Logger& log, std::chrono::milliseconds interval);
  ~CacheBumper();
  CacheBumper(const CacheBumper&) = delete;
  CacheBumper& operator=(const CacheBumper&) = delete;
  // Loads the stored position (storing the outbox's end the first time), then starts the thread.
  Status Start();
  void Stop();
  // One pass (loads the position first if Start has not): bumps the orders of the events after the
  // position and moves it past them; returns how many orders were bumped. A failed bump fails the
  // pass and leaves the position where it was.
  Result<int> BumpOnce();

 private:
  Status LoadPosition();
  void Pass();  // the worker's task: BumpOnce, logging when the cache starts and stops failing

  storage::Database& db_;
  cache::VersionedCache& cache_;
  const Logger& log_;
  std::mutex pass_mu_;                               // one pass at a time
  std::optional<storage::OutboxPosition> position_;  // guarded by pass_mu_
  bool failing_ = false;                             // the worker thread's
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace hotpath::orders
