#pragma once
// Background loop that hands accepted orders to riders: runs OrderService::AssignPending when
// woken (an order was accepted, a rider became free) and at a fixed interval as a safety net.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "orders/order_service.h"

namespace hotpath::orders {

class Assigner {
 public:
  Assigner(OrderService& orders, const Logger& log, std::chrono::milliseconds interval);
  ~Assigner();
  void Start();
  void Stop();
  void Wake();

 private:
  void Loop();
  OrderService& orders_;
  const Logger& log_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace hotpath::orders
