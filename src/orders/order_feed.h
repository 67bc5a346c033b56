#pragma once
// Delivers one order's committed events to one client in sequence order with no gaps and no
// repeats: subscribe to the hub first, then replay from the store after the client's last event
// id, holding live events back until the replay is done. Used by the order event streams and by
// live tracking. Thread-safe; the sink runs under the feed's lock (it must only queue).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "orders/live_hub.h"
#include "orders/order.h"

namespace hotpath::orders {

class OrderFeed : public std::enable_shared_from_this<OrderFeed> {
 public:
  using Sink = std::function<bool(const OrderEvent&)>;
  OrderFeed(LiveHub& hub, std::string order_id, std::int64_t after, Sink sink)
      : hub_(hub), order_id_(std::move(order_id)), last_sent_(after), sink_(std::move(sink)) {}

  void Start(const std::function<Result<std::vector<OrderEvent>>(std::int64_t)>& replay) {
    std::weak_ptr<OrderFeed> weak = shared_from_this();
    token_ = hub_.Subscribe(order_id_, [weak](const OrderEvent& ev) {
      if (auto self = weak.lock()) self->OnLive(ev);
    });
    auto events = replay(last_sent_);
    std::lock_guard lock(mu_);
    if (events.ok()) {
      for (const auto& ev : *events) Emit(ev);
    }
    std::sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    for (const auto& ev : pending_) Emit(ev);
    pending_.clear();
    replaying_ = false;
  }
  void Stop() { hub_.Unsubscribe(token_); }

 private:
  void OnLive(const OrderEvent& ev) {
    std::lock_guard lock(mu_);
    if (replaying_) {
      pending_.push_back(ev);
      return;
    }
    Emit(ev);
  }
  void Emit(const OrderEvent& ev) {  // requires mu_
    if (ev.seq <= last_sent_) return;
    last_sent_ = ev.seq;
    sink_(ev);
  }
  LiveHub& hub_;
  std::string order_id_;
  std::mutex mu_;
  std::int64_t last_sent_;           // guarded by mu_
  bool replaying_ = true;            // guarded by mu_
  std::vector<OrderEvent> pending_;  // guarded by mu_
  Sink sink_;
  std::uint64_t token_ = 0;
};

}  // namespace hotpath::orders
