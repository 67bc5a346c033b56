#pragma once
// Feeds a LiveHub from the shared outbox when several processes commit to one database
// (`hotpath cluster`): every order event, whoever committed it, reaches this process's SSE and
// WebSocket subscribers in outbox relay order (storage/outbox_order.h: per order, commit order; a
// row committed late by a concurrent writer is delivered late, never skipped). Polls every `interval` and at once on Wake() (a local commit).
// The OrderFeed's replay-then-live handshake and its seq check make a late or repeated event
// harmless; a subscriber never misses one, because the tail starts at the outbox's end before the
// server accepts connections and replays fill anything committed before a subscription.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "orders/live_hub.h"
#include "storage/database.h"
#include "storage/outbox_order.h"

namespace hotpath::orders {

class OutboxTail {
 public:
  OutboxTail(storage::Database& db, LiveHub& hub, const Logger& log, std::chrono::milliseconds interval);
  ~OutboxTail();
  // Reads the outbox's current end, then starts the polling thread.
  Status Start();
  void Stop();
  void Wake();
  // One poll: delivers events after the position; returns how many (tests).
  Result<int> PollOnceForTest() { return Poll(); }

 private:
  Result<int> Poll();
  void Loop();

  storage::Database& db_;
  LiveHub& hub_;
  const Logger& log_;
  const std::chrono::milliseconds interval_;
  storage::OutboxPosition position_;  // last delivered; only the polling thread touches it after Start
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;    // guarded by mu_
  bool stopping_ = false; // guarded by mu_
  bool failing_ = false;  // logged once per outage
  std::thread thread_;
};

}  // namespace hotpath::orders
