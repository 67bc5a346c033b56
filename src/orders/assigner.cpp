#include "orders/assigner.h"

namespace hotpath::orders {

Assigner::Assigner(OrderService& orders, const Logger& log, std::chrono::milliseconds interval)
    : orders_(orders), log_(log), interval_(interval) {}

Assigner::~Assigner() { Stop(); }

void Assigner::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Assigner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Assigner::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void Assigner::Loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, interval_, [&] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    auto r = orders_.AssignPending();
    if (!r.ok()) log_.Warn("rider assignment failed", {{"error", r.error().message}});
  }
}

}  // namespace hotpath::orders
