#include "orders/live_hub.h"

#include <algorithm>

namespace hotpath::orders {

std::uint64_t LiveHub::Subscribe(const std::string& order_id, Callback cb) {
  std::lock_guard lock(mu_);
  std::uint64_t token = next_++;
  by_order_[order_id].emplace_back(token, std::make_shared<Callback>(std::move(cb)));
  order_of_[token] = order_id;
  return token;
}

void LiveHub::Unsubscribe(std::uint64_t token) {
  std::lock_guard lock(mu_);
  auto it = order_of_.find(token);
  if (it == order_of_.end()) return;
  auto& subs = by_order_[it->second];
  subs.erase(std::remove_if(subs.begin(), subs.end(), [&](const auto& s) { return s.first == token; }),
             subs.end());
  if (subs.empty()) by_order_.erase(it->second);
  order_of_.erase(it);
}

void LiveHub::Publish(const OrderEvent& ev) {
  if (tap_) tap_(ev);
  if (!fed_from_outbox_) Deliver(ev);
}

void LiveHub::Deliver(const OrderEvent& ev) {
  if (event_tap_) event_tap_(ev);
  std::vector<std::shared_ptr<Callback>> targets;
  {
    std::lock_guard lock(mu_);
    auto it = by_order_.find(ev.order_id);
    if (it == by_order_.end()) return;
    for (const auto& s : it->second) targets.push_back(s.second);
  }
  for (const auto& t : targets) (*t)(ev);
}

std::size_t LiveHub::SubscriberCount() const {
  std::lock_guard lock(mu_);
  return order_of_.size();
}

}  // namespace hotpath::orders
