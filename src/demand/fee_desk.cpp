#include "demand/fee_desk.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hotpath::demand {
namespace {
constexpr Millis kMinute = 60'000;

forecast::Timestamp ToTimestamp(Millis ms) {
  return forecast::Timestamp(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(ms)));
}
}  // namespace

FeeDesk::FeeDesk(FeeSettings settings, SignalSource signals)
    : settings_(settings), signals_(std::move(signals)) {}

forecast::FeePolicy FeeDesk::Policy(std::int64_t base_fee) const {
  forecast::FeePolicy p;
  p.base_fee = base_fee;
  p.min_fee = base_fee;  // the distance fee is the floor
  p.max_fee = base_fee + settings_.max_surcharge;
  p.max_multiplier = settings_.max_multiplier;
  p.load_threshold = settings_.load_threshold;
  p.orders_per_courier_hour = settings_.orders_per_courier_hour;
  p.rounding = 1;  // no surcharge out of rounding: a multiplier of 1 is the distance fee exactly
  return p;
}

void FeeDesk::OnOrderPlaced(const std::string& zone_id, Millis at) {
  if (!settings_.enabled || zone_id.empty()) return;
  std::lock_guard lock(mu_);
  auto& minutes = zones_[zone_id].minutes;
  const Millis minute = at - at % kMinute;
  // Forget minutes that left the window, also in zones nobody asks a fee for.
  const Millis window = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.demand_window).count();
  while (!minutes.empty() && minutes.front().first + kMinute <= at - window) minutes.pop_front();
  auto it = std::find_if(minutes.rbegin(), minutes.rend(), [&](const auto& m) { return m.first <= minute; });
  if (it != minutes.rend() && it->first == minute) {
    ++it->second;
  } else {
    minutes.insert(it.base(), {minute, 1});  // events arrive in commit order: almost always at the end
  }
}

double FeeDesk::LiveLocked(Zone& z, Millis now) const {
  const Millis window = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.demand_window).count();
  const Millis from = now - window;
  while (!z.minutes.empty() && z.minutes.front().first + kMinute <= from) z.minutes.pop_front();
  // Whole minutes inside (now - window, now]; the oldest partial minute counts in full.
  int orders = 0;
  for (const auto& [minute, n] : z.minutes) {
    if (minute <= now) orders += n;
  }
  return orders * 3'600'000.0 / static_cast<double>(window);
}

double FeeDesk::LiveOrdersPerHour(const std::string& zone_id, Millis now) {
  std::lock_guard lock(mu_);
  return LiveLocked(zones_[zone_id], now);
}

void FeeDesk::RefreshLocked(const std::string& zone_id, Zone& z, Millis now) {
  const Millis refresh = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.refresh).count();
  if (z.evaluated && now - z.evaluated_at < refresh) return;
  ZoneSignals signals = signals_(zone_id, now);
  const double live = LiveLocked(z, now);
  z.forecast = signals.forecast_per_hour;
  z.load.now = ToTimestamp(now);
  z.load.live_orders_per_hour = live;
  // Without a model the live rate stands for the forecast too.
  z.load.forecast_orders_per_hour = signals.forecast_per_hour.value_or(live);
  z.load.available_couriers = std::max(0, signals.riders_available);
  auto q = forecast::QuoteDeliveryFee(Policy(100), z.load, z.state);
  z.state = q.next_state;
  z.target = q.breakdown.target_multiplier;
  z.ratio = std::min(q.breakdown.load, 1e6);  // no riders: "infinite" load, kept printable
  z.evaluated_at = now;
  z.evaluated = true;
}

orders::DeliveryFee FeeDesk::PriceLocked(const Zone& z, std::int64_t base_fee) const {
  forecast::FeePolicy p = Policy(base_fee);
  p.smoothing = 0;  // price at the zone's current multiplier; only a refresh moves it
  auto q = forecast::QuoteDeliveryFee(p, z.load, z.state);
  orders::DeliveryFee out;
  out.fee = q.fee;
  auto& b = out.breakdown;
  b.base = base_fee;
  b.multiplier = std::round(q.breakdown.multiplier * 1000) / 1000;
  b.surcharge = q.fee - base_fee;
  b.demand_per_hour = std::round(z.load.live_orders_per_hour * 100) / 100;
  b.riders = z.load.available_couriers;
  if (z.forecast) b.forecast_per_hour = std::round(*z.forecast * 100) / 100;
  std::string why;
  if (q.fee == base_fee) {
    why = "distance fee: demand is within what the available riders can carry";
  } else if (q.breakdown.cap_adjustment < 0) {
    why = fmt::format("busy zone: surcharge capped at {} minor units", settings_.max_surcharge);
  } else {
    why = "busy zone: demand is high for the riders available";
  }
  const double expected =
      p.live_weight * z.load.live_orders_per_hour + (1 - p.live_weight) * z.load.forecast_orders_per_hour;
  if (z.load.available_couriers == 0 && expected > 0) {
    b.reason = fmt::format("{} ({:.1f} orders/h expected and no rider available; multiplier x{:.2f}, target x{:.2f})",
                           why, expected, q.breakdown.multiplier, z.target);
  } else {
    b.reason = fmt::format("{} (load {:.2f}: {:.1f} orders/h expected against {} riders x {} orders/h; "
                           "multiplier x{:.2f}, target x{:.2f})",
                           why, z.ratio, expected, z.load.available_couriers, settings_.orders_per_courier_hour,
                           q.breakdown.multiplier, z.target);
  }
  return out;
}

orders::DeliveryFee FeeDesk::FeeFor(const std::string& zone_id, std::int64_t base_fee, Millis now) {
  orders::DeliveryFee out;
  out.fee = base_fee;
  out.breakdown.base = base_fee;
  if (!settings_.enabled) {
    out.breakdown.reason = "distance fee (dynamic fees are off)";
    return out;
  }
  if (zone_id.empty()) {
    out.breakdown.reason = "distance fee (the restaurant is in no zone)";
    return out;
  }
  std::lock_guard lock(mu_);
  Zone& z = zones_[zone_id];
  RefreshLocked(zone_id, z, now);
  return PriceLocked(z, base_fee);
}

std::vector<std::pair<std::string, double>> FeeDesk::Multipliers() {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [zone, z] : zones_) {
    if (z.evaluated) out.emplace_back(zone, z.state.multiplier);
  }
  return out;
}

FeeDesk::ZoneView FeeDesk::View(const std::string& zone_id, std::int64_t base_fee, Millis now) {
  ZoneView v;
  v.example = FeeFor(zone_id, base_fee, now);
  if (!settings_.enabled) return v;
  std::lock_guard lock(mu_);
  const Zone& z = zones_[zone_id];
  v.evaluated_at = z.evaluated_at;
  v.next_refresh_at =
      z.evaluated_at + std::chrono::duration_cast<std::chrono::milliseconds>(settings_.refresh).count();
  v.target_multiplier = z.target;
  v.load = z.ratio;
  return v;
}

}  // namespace hotpath::demand
