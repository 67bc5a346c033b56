#pragma once
// The dynamic delivery fee per zone: live demand (orders placed in the last minutes, counted in
// memory from order.placed events) and the forecast of the current hour against the riders
// available, through forecast::QuoteDeliveryFee (caps, smoothing, hysteresis). A zone's multiplier
// is re-evaluated at most every `refresh`, and only then moves (halfway to its target, not at all
// for small changes), so fees neither flap nor jump. A quote's fee is the distance fee times the
// zone's multiplier, never below the distance fee and at most `max_surcharge` above it.
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "forecast/fee.h"
#include "orders/delivery_fee.h"

namespace hotpath::demand {

struct FeeSettings {
  bool enabled = false;                     // off: the distance fee, explained as such
  double max_multiplier = 2.0;
  std::int64_t max_surcharge = 300;         // minor units above the distance fee
  std::chrono::seconds refresh{30};         // a zone's multiplier changes at most this often
  std::chrono::minutes demand_window{15};   // live demand = orders placed in this window, per hour
  double orders_per_courier_hour = 2.5;     // a rider's capacity
  double load_threshold = 0.8;              // demand / capacity above which the fee rises
};

// What the desk asks the platform when it re-evaluates a zone.
struct ZoneSignals {
  int riders_available = 0;
  std::optional<double> forecast_per_hour;  // median forecast of the current hour
};

class FeeDesk final : public orders::DeliveryFeeSource {
 public:
  using SignalSource = std::function<ZoneSignals(const std::string& zone_id, Millis now)>;
  FeeDesk(FeeSettings settings, SignalSource signals);

  // An order was placed in the zone at `at` (feeds live demand).
  void OnOrderPlaced(const std::string& zone_id, Millis at);
  // Orders placed per hour in the zone over the demand window ending at `now`.
  double LiveOrdersPerHour(const std::string& zone_id, Millis now);

  orders::DeliveryFee FeeFor(const std::string& zone_id, std::int64_t base_fee, Millis now) override;

  // The zone's current state for GET /v1/zones/{id}/fee.
  struct ZoneView {
    orders::DeliveryFee example;  // for `base_fee`
    Millis evaluated_at = 0;      // 0: never evaluated (no quote yet and not asked)
    Millis next_refresh_at = 0;
    double target_multiplier = 1.0;
    double load = 0;
  };
  ZoneView View(const std::string& zone_id, std::int64_t base_fee, Millis now);

  // (zone, multiplier) of every zone evaluated so far (metrics).
  std::vector<std::pair<std::string, double>> Multipliers();

  [[nodiscard]] const FeeSettings& settings() const { return settings_; }

 private:
  struct Zone {
    std::deque<std::pair<Millis, int>> minutes;  // (minute start, orders placed)
    forecast::FeeState state;
    forecast::ZoneLoad load;
    std::optional<double> forecast;
    double target = 1.0;
    double ratio = 0;  // load at the last evaluation
    Millis evaluated_at = 0;
    bool evaluated = false;
  };
  forecast::FeePolicy Policy(std::int64_t base_fee) const;
  double LiveLocked(Zone& z, Millis now) const;
  void RefreshLocked(const std::string& zone_id, Zone& z, Millis now);
  orders::DeliveryFee PriceLocked(const Zone& z, std::int64_t base_fee) const;

  const FeeSettings settings_;
  const SignalSource signals_;
  std::mutex mu_;
  std::map<std::string, Zone> zones_;  // guarded by mu_
};

}  // namespace hotpath::demand
