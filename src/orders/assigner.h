#pragma once
// Background loop that hands accepted orders to riders: runs OrderService::AssignPending when
// woken (an order was accepted, a rider became free) and at a fixed interval as a safety net.

#include <chrono>

#include "core/log.h"
#include "core/periodic_worker.h"
#include "orders/order_service.h"

namespace hotpath::orders {

class Assigner {
 public:
  Assigner(OrderService& orders, const Logger& log, std::chrono::milliseconds interval);
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  void Wake() { worker_.Wake(); }

 private:
  void AssignOnce();
  OrderService& orders_;
  const Logger& log_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace hotpath::orders
