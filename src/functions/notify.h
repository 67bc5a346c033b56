#pragma once
// The notify function: tells the people an event concerns what changed, through the channels each
// has configured (`notification_channels`: webhook, email, push; managed at
// /v1/me/notification-channels). WebSocket/SSE push to connected apps is the live hub's, not this.
//
//   orders topic          order.<status>         customer, the restaurant's staff, the rider (if any)
//   notifications topic   alarm.state_changed    the alarm's `notify` targets (https:// webhooks,
//                                                mailto: addresses) and every admin's channels
//
// Handling an event writes one `notify_deliveries` row per channel, together with the processed
// event id, in one transaction (so each event produces its deliveries exactly once). The Sender
// then delivers them: at once, and after a failure again with exponential backoff and jitter,
// capped at `retry_max`, until `max_age`; a delivery still failing then is marked failed and
// written to the function's dead-letter topic. A delivery keeps its id over retries (webhooks send
// it as Hotpath-Delivery-Id, emails as Message-ID), so a receiver can drop a repeat after a crash
// between sending and recording the success.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "events/event_bus.h"
#include "functions/runtime.h"
#include "functions/transports.h"
#include "storage/database.h"

namespace hotpath::functions {

struct SenderSettings {
  TransportSettings transport;
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60000};
  std::chrono::seconds max_age{86400};
  int senders = 8;
};

// Delivers `notify_deliveries` rows; survives restarts (pending rows are picked up at start).
// Deliveries go in parallel, except that one channel gets one delivery at a time per ordering key
// (the event's subject: the order id, the alarm), oldest event first (delivery ids start with the event id, which sorts by creation), so
// a healthy endpoint hears each order's changes in order while different orders go side by side.
// A delivery waiting for a retry does not hold back later ones.
class Sender {
 public:
  Sender(storage::Database& db, const Clock& clock, const Logger& log, SenderSettings settings);
  ~Sender();
  // `dead_letters` receives deliveries that gave up (may be null: then they are only marked failed).
  void Start(events::EventBus* dead_letters);
  void Stop();
  // Deliveries were just committed: scan now rather than at the next tick.
  void Wake();

 private:
  void ScanLoop();
  void SendLoop();
  struct Queued {
    std::string key;  // OrderingKey(delivery)
    Delivery delivery;
  };
  // The next delivery to send (queue_.end() if none may go now): the oldest queued one of a
  // (channel, ordering key) with nothing in flight. Caller holds mu_.
  std::map<std::string, Queued>::iterator NextSendable();
  static std::string OrderingKey(const Delivery& d);
  void Finish(const Delivery& d, const Status& result);
  std::chrono::milliseconds RetryDelay(int attempts);

  storage::Database& db_;
  const Clock& clock_;
  const Logger& log_;
  SenderSettings settings_;
  events::EventBus* dead_letters_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Queued> queue_;  // guarded by mu_: by delivery id = oldest event first
  std::set<std::string> holding_;  // guarded by mu_: queued or being sent
  std::set<std::string> sending_keys_;  // guarded by mu_: (channel, subject) with a delivery being sent
  std::map<std::string, std::uint64_t> finished_;  // guarded by mu_: id -> scan epoch when it finished
  std::uint64_t scan_epoch_ = 0;   // guarded by mu_
  bool wake_ = false;              // guarded by mu_
  bool stopping_ = true;           // guarded by mu_
  std::mt19937_64 rng_;            // guarded by mu_
  std::thread scanner_;
  std::vector<std::thread> senders_;
};

class Notify final : public Function {
 public:
  static constexpr const char* kName = "notify";
  // `alarm_secret` signs the webhooks of alarms' own `notify` targets ("" = unsigned).
  Notify(storage::Database& db, const Clock& clock, Sender& sender, std::string alarm_secret = "")
      : db_(db), clock_(clock), sender_(sender), alarm_secret_(std::move(alarm_secret)) {}
  Result<Outcome> Handle(const Invocation& invocation) override;
  // PostgreSQL, order events: the batch in one statement that also reads the channels
  // (functions/processed.h ApplyBatchOnce); alarms are handled one by one.
  std::optional<Result<std::vector<Outcome>>> HandleBatch(const std::vector<Invocation>& invocations) override;
  // A delivery that gave up (its dead letter names it) is made pending again, from now.
  Result<bool> ReplayDeadLetter(const boost::json::object& dead_letter) override;

 private:
  storage::Database& db_;
  const Clock& clock_;
  Sender& sender_;
  std::string alarm_secret_;
};

}  // namespace hotpath::functions
