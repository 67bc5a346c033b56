#pragma once
// Live order tracking (issue #4): a subscriber of an order (its customer, restaurant, rider or an
// admin; the caller checks) receives every status event of the order in sequence, resumable after
// a Last-Event-ID with no gap (orders::OrderFeed), and the assigned rider's position at most once
// per `position_interval_ms` (paced by PositionPacer) with an ETA that follows the rider.
//
// Geofences: an applied fix within `geofence_m` of the restaurant (before pickup) or of the
// customer (after pickup) records `rider.arrived_restaurant` / `rider.arriving` once per order as
// durable order events (OrderService::RecordRiderMilestone), so subscribers see them like any
// status event.
//
// Backpressure is the stream's (net::WebSocket / net::EventStream): positions are sent with the
// coalescing SendLatest (a slow subscriber gets only the newest), status events with Send (never
// dropped; a subscriber too far behind is disconnected with a reason and resumes with its last id).
// Ingest never waits for subscribers: OnFix only queues.
//
// Threads: OnFix runs on ingest threads, OnOrderEvent on the database writer (it only queues); a
// worker thread loads assigned orders, writes geofence milestones and sends held-back positions
// when they are due (it sleeps until the earliest one, not on a fixed tick).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "catalog/catalog_service.h"
#include "core/clock.h"
#include "core/log.h"
#include "orders/live_hub.h"
#include "orders/order_feed.h"
#include "orders/order_service.h"
#include "tracking/position_pacer.h"
#include "tracking/tracker.h"

namespace hotpath::tracking {

struct LiveSettings {
  double rider_speed_kmh = 18.0;
  double geofence_m = 50.0;
  Millis position_interval_ms = 1000;
  // A position may go out this much before its interval is up when its fix was taken a whole
  // interval after the previous one (PositionPacer): riders reporting once per interval are not
  // held back by network jitter, faster ones still get one position per interval.
  Millis position_tolerance_ms = 200;
};

// Where one subscription's frames go (an SSE stream or a WebSocket).
class Watcher {
 public:
  virtual ~Watcher() = default;
  virtual bool SendStatus(const orders::OrderEvent& ev) = 0;  // never coalesced
  virtual bool SendPosition(const std::string& position_json) = 0;  // coalesced per subscription
};

// The rider's position and ETA as sent to subscribers (pure; unit-tested).
struct PositionFrame {
  std::string order_id;
  std::string rider_id;
  Fix fix;
  bool picked_up = false;
  double distance_m = 0;  // to the next stop
  std::int64_t eta_s = 0;  // to the customer
};
PositionFrame MakePositionFrame(const std::string& order_id, const std::string& rider_id, const Fix& fix,
                                bool picked_up, geo::Point restaurant, geo::Point customer, double speed_kmh);
std::string PositionJson(const PositionFrame& f, Millis now);
// PositionJson(f, now) appended to `out` (the fan-out formats once per fix and order, in place).
void AppendPositionJson(std::string& out, const PositionFrame& f, Millis now);

class LiveTracking {
 public:
  LiveTracking(storage::Database& db, orders::OrderService& orders, orders::LiveHub& hub,
               catalog::CatalogService& catalog, Tracker& tracker, const Clock& clock, const Logger& log,
               LiveSettings settings);
  ~LiveTracking();

  Status Load();  // orders with a rider that are not yet delivered
  void Start();
  void Stop();

  void OnOrderEvent(const orders::OrderEvent& ev);  // the hub's tap
  void OnFix(const std::string& rider_id, const Fix& fix);  // the tracker's listener

  class Subscription;
  // Starts a subscription (the caller has checked that `who` may see the order): replays the
  // status events after `after_seq`, then streams. Stop it with Unsubscribe (idempotent).
  std::shared_ptr<Subscription> Subscribe(const identity::Principal& who, const std::string& order_id,
                                          std::int64_t after_seq, std::shared_ptr<Watcher> watcher);
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  [[nodiscard]] std::size_t SubscriptionCount() const { return subscriptions_.load(std::memory_order_relaxed); }
  // Positions handed to subscribers, and positions replaced by a newer one while held back.
  [[nodiscard]] std::uint64_t PositionsSent() const { return positions_sent_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t PositionsCoalesced() const { return positions_coalesced_.load(std::memory_order_relaxed); }

 private:
  struct Active {
    std::string rider_id;
    geo::Point restaurant;
    geo::Point customer;
    bool picked_up = false;
    bool at_restaurant = false;  // milestone already raised
    bool arriving = false;
  };
  struct Milestone {
    std::string order_id, rider_id, type, extra;
  };
  // One order as live tracking knows it: its delivery state while a rider is assigned and it is not
  // delivered (`active`), and its subscribers. Listed while either is there.
  struct OrderState {
    std::optional<Active> active;
    std::vector<std::shared_ptr<Subscription>> subs;
  };
  using OrderEntry = std::pair<const std::string, OrderState>;  // stable address while listed
  struct Deferred {
    Millis due = 0;
    std::weak_ptr<Subscription> sub;
    bool operator>(const Deferred& o) const { return due > o.due; }
  };
  void Loop();
  void Refresh(const std::string& order_id);
  void UnlinkRiderLocked(const std::string& rider_id, OrderEntry* entry);  // requires mu_
  void SendPositionLocked(Subscription& sub, const std::string& json, Millis fix_at, Millis now);  // requires mu_
  // Sends the held-back positions that are due; returns when the next one is (INT64_MAX: none).
  Millis FlushDeferred(Millis now);
  void WakeBy(Millis due);  // the worker must wake by `due`; may be called with mu_ held

  storage::Database& db_;
  orders::OrderService& orders_;
  orders::LiveHub& hub_;
  catalog::CatalogService& catalog_;
  Tracker& tracker_;
  const Clock& clock_;
  const Logger& log_;
  const LiveSettings settings_;

  mutable std::mutex mu_;
  // Guarded by mu_: orders with a rider or a subscriber, and each rider's active orders (a fix costs
  // one lookup, of its rider).
  std::unordered_map<std::string, OrderState> tracked_;
  std::unordered_map<std::string, std::vector<OrderEntry*>> by_rider_;
  std::vector<Deferred> deferred_;  // guarded by mu_: min-heap on `due` of subscriptions holding a position back

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::deque<std::string> refresh_;      // guarded by work_mu_: orders to reload
  std::deque<Milestone> milestones_;     // guarded by work_mu_
  bool stopping_ = false;                // guarded by work_mu_
  Millis next_wake_ = INT64_MIN;         // guarded by work_mu_: when the sleeping worker wakes (MIN: awake)
  Millis earliest_ = INT64_MAX;          // guarded by work_mu_: earliest due deferred since it woke
  std::thread thread_;
  std::atomic<std::size_t> subscriptions_{0};
  std::atomic<std::uint64_t> positions_sent_{0}, positions_coalesced_{0};
};

}  // namespace hotpath::tracking
