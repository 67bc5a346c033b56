#pragma once
// The data set of `hotpath bench tracking`, written straight into a fresh database before the
// server starts (creating 30,000 accounts through the API would hash 30,000 passwords):
// `riders` riders online at spread-out positions, `restaurants` restaurants, and `watchers`
// customers with one accepted order each, order i assigned to rider i % riders (so those riders are
// busy); with `orders_per_customer` K, customer j owns orders jK .. jK+K-1. Ids are deterministic (RiderId(i), CustomerId(i), OrderId(i)); positions come from a
// fixed seed. Every account's password is kPassword.

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/geo.h"
#include "core/result.h"
#include "storage/database.h"

namespace hotpath::loadgen {

inline constexpr const char* kPassword = "bench-password";

// The city box the riders and the nearby queries use (about 22 km x 21 km around Manhattan).
inline constexpr geo::Box kCity{40.60, 40.80, -74.10, -73.85};

struct SeedPlan {
  int riders = 0;
  int watchers = 0;
  int restaurants = 100;
  std::uint64_t seed = 4;
  int orders_per_customer = 1;
};

struct SeededRider {
  std::string id;
  geo::Point start;     // where the rider is at the start
  double east_mps = 0;  // its velocity (straight line, about 8 m/s)
  double north_mps = 0;
};

struct SeededOrder {
  std::string id;
  std::string customer_id;
  int customer = 0;  // customer index
  int rider = 0;     // index into SeedData::riders
};

struct SeedData {
  std::vector<SeededRider> riders;
  std::vector<SeededOrder> orders;
  std::vector<std::string> customers;  // ids, by index
};

std::string RiderId(int i);
std::string CustomerId(int i);
std::string OrderId(int i);

// Writes the plan into `db` (migrated, empty) with positions stamped `now`.
Result<SeedData> Seed(storage::Database& db, const SeedPlan& plan, Millis now);

// Where a seeded rider is at `at` (milliseconds after `start_ms`).
geo::Point PositionAt(const SeededRider& r, Millis elapsed_ms);

}  // namespace hotpath::loadgen
