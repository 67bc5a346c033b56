#pragma once
// The transactional outbox relay: copies the rows the domain writes into the `outbox` table (in
// the same transaction as each change) to the event bus, at least once and in relay order
// (storage/outbox_order.h: seq on SQLite; on PostgreSQL (xid, seq) of finished transactions only, so
// concurrent writers' late commits are never skipped), so the events of one key reach their
// partition in commit order. The relayed position is stored in the database (`outbox_relay`) only
// after the bus acknowledged the records; after a crash the relay resends from there, and consumers
// drop the repeats by event id.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "core/log.h"
#include "core/periodic_worker.h"
#include "events/event_bus.h"
#include "storage/database.h"
#include "storage/outbox_order.h"

namespace hotpath::events {

class OutboxRelay {
 public:
  OutboxRelay(storage::Database& db, EventBus& bus, const Logger& log, prometheus::Registry& metrics,
              std::chrono::milliseconds poll_interval = std::chrono::milliseconds(250));
  ~OutboxRelay();
  void Start();
  // Stops the loop, then relays what was committed before the stop.
  void Stop();
  // New rows were committed (called after each commit); the relay runs at once.
  void Wake();
  // Relays everything committed so far (one pass); returns how many rows. For tests and `Stop`.
  Result<std::int64_t> RelayOnce();
  // seq of the last row relayed (-1 until loaded). On PostgreSQL not monotonic across rows of
  // different transactions: the position proper is (xid, seq).
  [[nodiscard]] std::int64_t position() const;

 private:
  void Pass();  // one relay pass of the worker: RelayOnce, failures counted and logged once
  Result<storage::OutboxPosition> LoadPosition();

  storage::Database& db_;
  EventBus& bus_;
  const Logger& log_;
  std::chrono::milliseconds poll_interval_;
  prometheus::Counter& relayed_;
  prometheus::Counter& failures_;
  prometheus::Gauge& position_gauge_;
  mutable std::mutex mu_;
  std::optional<storage::OutboxPosition> position_;  // guarded by mu_; empty until loaded
  std::mutex pass_mu_;           // one relay pass at a time
  bool failing_ = false;         // the worker's: the last pass failed (logged once, retried sooner)
  PeriodicWorker worker_;        // last: its thread stops before the members it uses go
};

}  // namespace hotpath::events
