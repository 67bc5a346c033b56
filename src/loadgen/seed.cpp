#include "loadgen/seed.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <random>

#include "identity/tokens.h"

namespace hotpath::loadgen {
using storage::Connection;
using storage::SqlValue;

namespace {
constexpr double kMetresPerDegreeLat = 111'320.0;
constexpr double kRiderSpeedMps = 8.0;

double MetresPerDegreeLon(double lat) { return kMetresPerDegreeLat * std::cos(lat * std::numbers::pi / 180.0); }

geo::Point Offset(geo::Point p, double east_m, double north_m) {
  return {p.lat + north_m / kMetresPerDegreeLat, p.lon + east_m / MetresPerDegreeLon(p.lat)};
}
}  // namespace

std::string RiderId(int i) { return fmt::format("usr_bench_r{:06}", i); }
std::string CustomerId(int i) { return fmt::format("usr_bench_c{:06}", i); }
std::string OrderId(int i) { return fmt::format("ord_bench_{:06}", i); }

geo::Point PositionAt(const SeededRider& r, Millis elapsed_ms) {
  const double s = static_cast<double>(elapsed_ms) / 1000.0;
  return Offset(r.start, r.east_mps * s, r.north_mps * s);
}

Result<SeedData> Seed(storage::Database& db, const SeedPlan& plan, Millis now) {
  std::mt19937_64 rng(plan.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto in_city = [&] {
    // Restaurants and riders keep 3 km off the edges: riders move for minutes without leaving.
    return geo::Point{kCity.min_lat + 0.03 + unit(rng) * (kCity.max_lat - kCity.min_lat - 0.06),
                      kCity.min_lon + 0.04 + unit(rng) * (kCity.max_lon - kCity.min_lon - 0.08)};
  };
  std::vector<geo::Point> restaurants(static_cast<std::size_t>(std::max(1, plan.restaurants)));
  for (auto& r : restaurants) r = in_city();

  SeedData out;
  out.riders.reserve(static_cast<std::size_t>(plan.riders));
  for (int i = 0; i < plan.riders; ++i) {
    // 400-900 m from a restaurant, heading away from it: no geofence (50 m) is ever entered.
    const geo::Point near = restaurants[static_cast<std::size_t>(i) % restaurants.size()];
    const double angle = unit(rng) * 2 * std::numbers::pi;
    const double dist = 400 + unit(rng) * 500;
    SeededRider r;
    r.id = RiderId(i);
    r.start = Offset(near, dist * std::cos(angle), dist * std::sin(angle));
    r.east_mps = kRiderSpeedMps * std::cos(angle);
    r.north_mps = kRiderSpeedMps * std::sin(angle);
    out.riders.push_back(std::move(r));
  }
  const int per_customer = std::max(1, plan.orders_per_customer);
  for (int i = 0; i < plan.watchers && plan.riders > 0; ++i) {
    const int customer = i / per_customer;
    if (customer == static_cast<int>(out.customers.size())) out.customers.push_back(CustomerId(customer));
    out.orders.push_back({OrderId(i), CustomerId(customer), customer, i % plan.riders});
  }

  const std::string hash = identity::HashPassword(kPassword);  // one Argon2id hash for every account
  auto written = db.Write<Ok>([&](Connection& c) -> Result<Ok> {
    for (std::size_t i = 0; i < restaurants.size(); ++i) {
      HP_TRY(c.Exec("INSERT INTO restaurants(id, name, lat, lon, zone_id, created_at) VALUES (?,?,?,?,NULL,?)",
                    {fmt::format("rst_bench_{:04}", i), fmt::format("Bench kitchen {}", i), restaurants[i].lat,
                     restaurants[i].lon, now}));
    }
    const auto busy = static_cast<int>(std::min<std::size_t>(out.orders.size(), out.riders.size()));
    for (int i = 0; i < plan.riders; ++i) {
      const auto& r = out.riders[static_cast<std::size_t>(i)];
      HP_TRY(c.Exec("INSERT INTO users(id, email, name, role, restaurant_id, password_hash, created_at) "
                    "VALUES (?,?,?,'rider',NULL,?,?)",
                    {r.id, fmt::format("r{:06}@bench.hotpath.dev", i), fmt::format("Bench rider {}", i), hash, now}));
      HP_TRY(c.Exec("INSERT INTO riders(user_id, status, lat, lon, zone_id, updated_at) VALUES (?,?,?,?,NULL,?)",
                    {r.id, std::string(i < busy ? "busy" : "available"), r.start.lat, r.start.lon, now}));
    }
    for (std::size_t i = 0; i < out.customers.size(); ++i) {
      HP_TRY(c.Exec("INSERT INTO users(id, email, name, role, restaurant_id, password_hash, created_at) "
                    "VALUES (?,?,?,'customer',NULL,?,?)",
                    {out.customers[i], fmt::format("c{:06}@bench.hotpath.dev", i), fmt::format("Bench customer {}", i),
                     hash, now}));
    }
    for (std::size_t i = 0; i < out.orders.size(); ++i) {
      const auto& o = out.orders[i];
      const std::size_t rst = static_cast<std::size_t>(o.rider) % restaurants.size();
      const geo::Point to = Offset(restaurants[rst], 1500, 1500);
      HP_TRY(c.Exec(
          "INSERT INTO orders(id, customer_id, restaurant_id, zone_id, rider_id, status, version, subtotal, "
          "delivery_fee, small_order_fee, total, currency, delivery_lat, delivery_lon, delivery_address, "
          "prep_minutes, eta_minutes, idempotency_key, request_hash, created_at, updated_at) "
          "VALUES (?,?,?,NULL,?,'accepted',3,2000,319,0,2319,'USD',?,?,'1 Benchmark Plaza',15,35,?,'bench',?,?)",
          {o.id, o.customer_id, fmt::format("rst_bench_{:04}", rst), out.riders[static_cast<std::size_t>(o.rider)].id,
           to.lat, to.lon, o.id, now, now}));
      HP_TRY(c.Exec("INSERT INTO order_items(order_id, line, item_id, name, unit_price, quantity) "
                    "VALUES (?,1,'itm_bench','Bench bowl',1000,2)",
                    {o.id}));
    }
    return Ok{};
  });
  if (!written.ok()) return std::move(written).error();
  return out;
}

}  // namespace hotpath::loadgen
