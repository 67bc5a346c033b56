#pragma once
// Test support shared by the SQLite and PostgreSQL storage tests: a month of orders in a few zones
// and the plan each engine chooses for the console's per-zone counts (console/live_queries.h) and
// for the orders changed recently (orders/recent_changes.h).

#include <fmt/format.h>

#include <string>

#include "console/live_queries.h"
#include "orders/recent_changes.h"
#include "storage/connection.h"

namespace hotpath::storage::testing {

// `count` orders spread evenly over the 30 days before `now`, in 4 zones.
inline Status SeedMonthOfOrders(Connection& c, std::int64_t now, int count) {
  HP_TRY(c.ExecScript(
      "INSERT INTO users(id, email, name, role, password_hash, created_at) VALUES ('usr_plan', 'plan@x.test', 'P', "
      "'customer', 'x', 0);"
      "INSERT INTO zones(id, name, polygon, created_at) VALUES ('zon_plan', 'Z', '[]', 0);"
      "INSERT INTO restaurants(id, name, lat, lon, zone_id, created_at) VALUES ('res_plan', 'R', 0, 0, 'zon_plan', 0);"));
  const std::int64_t step = 30LL * 86400000 / count;
  return c.ExecScript(fmt::format(
      "INSERT INTO orders(id, customer_id, restaurant_id, zone_id, status, version, subtotal, delivery_fee, "
      "small_order_fee, total, currency, delivery_lat, delivery_lon, delivery_address, eta_minutes, idempotency_key, "
      "request_hash, created_at, updated_at) "
      "WITH RECURSIVE s(n) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT n + 1 FROM s WHERE n < {0}) "
      "SELECT 'ord_' || n, 'usr_plan', 'res_plan', 'zon_' || (n % 4), 'delivered', 1, 1000, 300, 0, 1300, 'USD', 0, 0, "
      "'a', 30, 'k' || n, 'h', {1} - n * {2}, {1} - n * {2} FROM s;"
      "ANALYZE;",
      count, now, step));
}

// The plan of kPlacedPerZoneSql at `now`, one line per plan row.
inline Result<std::string> PlacedPerZonePlan(Connection& c, std::int64_t now) {
  const bool pg = c.dialect() == Dialect::kPostgres;
  const std::int64_t hour = now - now % 3600000;
  std::string plan;
  HP_TRY(c.Query(std::string(pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + console::kPlacedPerZoneSql,
                 {now - 60000, now - 120000, now - 60000, hour, hour - 3600000, hour, std::min(hour - 3600000, now - 120000)},
                 [&](const Row& r) { plan += r.Text(pg ? 0 : 3) + "\n"; }));
  return plan;
}

// The plan of orders::kChangedSinceSql for the orders changed in the last six minutes before `now`.
inline Result<std::string> ChangedSincePlan(Connection& c, std::int64_t now) {
  const bool pg = c.dialect() == Dialect::kPostgres;
  std::string plan;
  HP_TRY(c.Query(std::string(pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + orders::kChangedSinceSql, {now - 360000},
                 [&](const Row& r) { plan += r.Text(pg ? 0 : 3) + "\n"; }));
  return plan;
}

}  // namespace hotpath::storage::testing
