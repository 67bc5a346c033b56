#pragma once
// The city simulator: virtual customers, restaurants and riders driving a running hotpath over its
// public HTTP API (see docs/simulate.md). Each actor is a chain of tasks on the Scheduler; the
// shared bookkeeping (orders, counts) is guarded by one mutex and never held across a request.

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/geo.h"
#include "dispatch/mdrp/instance.h"
#include "core/result.h"
#include "simulate/city_model.h"
#include "simulate/options.h"
#include "simulate/scheduler.h"
#include "simulate/summary.h"

namespace hotpath::simulate {

// Called about twice a second with the running counts and the simulated clock.
using ProgressFn = std::function<void(const Summary&, double sim_clock_s)>;

class Simulation {
 public:
  explicit Simulation(Options options);
  ~Simulation();
  // Sets up accounts (logins, sign-ups), runs until the duration, the instance's end, the drain or
  // `interrupted`, and returns what happened. Fails when the server is unreachable or the demo
  // accounts are missing.
  Result<Summary> Run(const std::atomic<bool>& interrupted, const ProgressFn& progress);

 private:
  struct Restaurant {
    std::string id, token;
    geo::Point location;
    std::vector<std::string> items;  // available item ids
  };
  struct Customer {
    std::string id, token;
    geo::Point home;
  };
  struct Shift {
    double on_s = 0, off_s = 0;
    geo::Point start;
  };
  struct Stop {
    bool pickup = false;
    geo::Point at;
    std::vector<std::string> order_ids;
  };
  struct Rider {
    std::string email, id, token;
    geo::Point pos;
    bool online = false;
    std::deque<Shift> shifts;          // MDRP: shifts still to work; empty in curve mode
    std::deque<Stop> route;            // current offer: pickup, then drop-offs
    double service_until_s = -1;       // simulated time the stop's service ends; <0: not at a stop
    Scheduler::Clock::time_point last_tick, last_fix;
  };
  enum class OrderState { kPlaced, kAccepted, kReady, kPickedUp, kDelivered, kCancelled, kRejected };
  struct Order {
    std::string id;
    double placed_s = 0;  // simulated
    int restaurant = 0;
    int customer = 0;
    OrderState state = OrderState::kPlaced;
    double click_to_door_min = -1;
  };
  struct PlannedOrder {  // MDRP: an order of the instance, mapped
    double placed_s = 0;
    int restaurant = 0;
    geo::Point dropoff;
    double prep_min = 0;
  };

  // Setup (simulation.cpp).
  Status Setup(HttpClient& http);
  Status LoginRestaurants();
  Status LoginRiders(int count);
  Status SignUpCustomers();
  Status LoadMdrp();
  Status PrepareMdrp(HttpClient& http);
  void CancelOpenOrders();
  void SyncCancelled(HttpClient& http, const std::string& order_id, const std::string& token);
  // Actors (actors.cpp).
  void ScheduleNextArrival(double after_s);
  void PlaceCurveOrder(HttpClient& http, int n);
  void PlaceOrder(HttpClient& http, int n, int customer, int restaurant, geo::Point dropoff, double prep_min);
  void RestaurantDecides(HttpClient& http, const std::string& order_id, double prep_min, bool reject);
  void RestaurantReady(HttpClient& http, const std::string& order_id);
  void CustomerCancels(HttpClient& http, const std::string& order_id);
  void RiderTick(HttpClient& http, int r);
  void RiderStartOrEnd(HttpClient& http, Rider& rider, double now_s);
  void RiderLookForOffer(HttpClient& http, Rider& rider);
  void RiderAtStop(HttpClient& http, Rider& rider, double now_s);
  void SendFix(HttpClient& http, Rider& rider);
  std::optional<geo::Point> RestaurantLocation(HttpClient& http, const std::string& restaurant_id);
  // Bookkeeping.
  double SimNow() const;
  Scheduler::Clock::time_point RealAt(double sim_s) const;
  void AfterSim(double sim_seconds, Scheduler::Task task);
  // Records a failed request under "<step> <status>" (or "<step> unreachable"); false on success.
  bool Failed(const std::string& step, const HttpResponse& r);
  void CountError(const std::string& kind, const std::string& sample = {});
  bool Stopping() const { return stopping_.load(); }

  Options o_;
  std::unique_ptr<Scheduler> sched_;
  std::string run_id_;
  std::string admin_token_;  // empty when --admin-email cannot log in
  double sim_start_s_ = 0;
  Scheduler::Clock::time_point real_start_;
  double speed_mps_ = 4;                 // simulated rider speed
  double pickup_service_s_ = 120, dropoff_service_s_ = 120;
  std::vector<Restaurant> restaurants_;  // filled at setup, read-only afterwards
  std::map<std::string, int> restaurant_index_;
  std::vector<Customer> customers_;
  std::vector<std::unique_ptr<Rider>> riders_;  // each touched only by its own task chain
  std::vector<PlannedOrder> planned_;           // MDRP
  std::unique_ptr<ArrivalProcess> arrivals_;    // curve; used by the arrival chain only
  std::atomic<bool> ordering_ = true;           // new orders still being placed
  std::atomic<bool> stopping_ = false;
  std::atomic<int> in_flight_ = 0;              // placements started and not finished
  std::atomic<int> batch_fixes_ = -1;           // -1 unknown, 0 single-fix endpoint, 1 batch endpoint
  std::atomic<int> consecutive_unreachable_ = 0;
  std::atomic<int> arrivals_seen_ = 0;
  std::optional<dispatch::mdrp::Instance> instance_;  // --mdrp, loaded before anything else

  mutable std::mutex mu_;
  Summary summary_;                              // GUARDED_BY(mu_)
  std::map<std::string, Order> orders_;          // GUARDED_BY(mu_)
  std::map<std::string, geo::Point> foreign_restaurants_;  // GUARDED_BY(mu_)
};

}  // namespace hotpath::simulate
