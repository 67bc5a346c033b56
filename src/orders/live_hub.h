#pragma once
// In-process fan-out of committed order events to live subscribers (SSE and WebSocket clients).
// Publish is called by the database writers after commit, per order in commit order (WriteLane);
// callbacks must not block (stream sends only queue). They run outside the hub's lock (may unsubscribe).

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "orders/order.h"

namespace hotpath::orders {

class LiveHub {
 public:
  using Callback = std::function<void(const OrderEvent&)>;
  std::uint64_t Subscribe(const std::string& order_id, Callback cb);
  void Unsubscribe(std::uint64_t token);
  // An event this process committed: the tap sees it; subscribers too, unless the hub is fed from
  // the shared outbox (then they get it from Deliver, in the outbox's order, like everyone's).
  void Publish(const OrderEvent& ev);
  // An event read from the shared outbox (any process's commit): subscribers only, no tap.
  void Deliver(const OrderEvent& ev);
  // Several processes commit to one database: subscribers are fed by an OutboxTail, not by Publish.
  // Set before serving.
  void SetFedFromOutbox(bool fed) { fed_from_outbox_ = fed; }
  [[nodiscard]] std::size_t SubscriberCount() const;
  // Sees every published event (metrics, fan-out to other processes). Set before serving.
  void SetTap(Callback tap) { tap_ = std::move(tap); }
  // Sees every order event of every process once, in commit order: this process's own through
  // Publish, or, when fed from the outbox, everyone's through Deliver (live demand for fees).
  void SetEventTap(Callback tap) { event_tap_ = std::move(tap); }

 private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 1;  // guarded by mu_
  std::unordered_map<std::string, std::vector<std::pair<std::uint64_t, std::shared_ptr<Callback>>>>
      by_order_;                                             // guarded
  std::unordered_map<std::uint64_t, std::string> order_of_;  // guarded by mu_
  Callback tap_;
  Callback event_tap_;
  bool fed_from_outbox_ = false;
};

}  // namespace hotpath::orders
