#include "app/demo.h"

#include <fmt/format.h>

#include <array>
#include <random>

namespace hotpath::app {
using identity::NewUser;
using identity::Principal;
using identity::Role;

namespace {

constexpr const char* kPassword = "demo-password";
constexpr const char* kAdminEmail = "admin@demo.hotpath.dev";

struct ZoneSpec {
  const char* name;
  double lat0, lon0, lat1, lon1;  // a rectangle
};

// Two neighbouring districts of a fictional city laid over lower Manhattan and Brooklyn.
constexpr std::array kZones = {ZoneSpec{"Downtown", 40.700, -74.020, 40.730, -73.970},
                               ZoneSpec{"Riverside", 40.670, -73.995, 40.700, -73.940}};

constexpr std::array kCuisines = {"Pizzeria",    "Noodle Bar",    "Taqueria",      "Burger Joint",
                                  "Sushi House", "Falafel Stand", "Curry Kitchen", "Bagel Shop",
                                  "Poke Bowl",   "BBQ Pit"};

constexpr std::array kDishes = {std::pair{"Signature special", 1450}, std::pair{"House classic", 1190},
                                std::pair{"Side salad", 590},         std::pair{"Fries", 450},
                                std::pair{"Lemonade", 350},           std::pair{"Dessert of the day", 650}};

}  // namespace

Result<DemoSummary> SeedDemoCity(Platform& platform) {
  DemoSummary summary;
  summary.accounts.push_back({"admin", kAdminEmail, kPassword, "sees and does everything"});
  summary.accounts.push_back({"customer", "customer@demo.hotpath.dev", kPassword, "orders food"});
  auto existing = platform.identity().Login(kAdminEmail, kPassword);
  if (existing.ok()) {
    auto zones = platform.catalog().ListZones();
    summary.zones = zones.ok() ? static_cast<int>(zones->size()) : 0;
    summary.restaurants = 20;
    summary.riders = 30;
    summary.accounts.push_back(
        {"restaurant", "staff01@demo.hotpath.dev", kPassword, "staff of the first restaurant"});
    summary.accounts.push_back({"rider", "rider01@demo.hotpath.dev", kPassword, "one of 30 riders"});
    return summary;
  }
  summary.created = true;
  std::mt19937 rng(20261125);  // fixed: every demo city is the same city
  HP_ASSIGN(auto admin,
            platform.identity().CreateOffline({kAdminEmail, kPassword, "Demo Admin", Role::kAdmin, ""}));
  Principal root{admin.id, Role::kAdmin, ""};
  HP_TRY(platform.identity().CreateOffline(
      {"customer@demo.hotpath.dev", kPassword, "Demo Customer", Role::kCustomer, ""}));

  int restaurant_no = 0;
  int rider_no = 0;
  for (const auto& z : kZones) {
    std::vector<geo::Point> polygon{{z.lat0, z.lon0}, {z.lat0, z.lon1}, {z.lat1, z.lon1}, {z.lat1, z.lon0}};
    HP_ASSIGN(auto zone, platform.catalog().CreateZone(root, z.name, polygon));
    ++summary.zones;
    std::uniform_real_distribution<double> lat(z.lat0 + 0.002, z.lat1 - 0.002);
    std::uniform_real_distribution<double> lon(z.lon0 + 0.002, z.lon1 - 0.002);
    for (std::size_t i = 0; i < kCuisines.size(); ++i) {
      ++restaurant_no;
      HP_ASSIGN(auto r, platform.catalog().CreateRestaurant(root, fmt::format("{} {}", z.name, kCuisines[i]),
                                                            {lat(rng), lon(rng)}, zone.id));
      for (const auto& [dish, price] : kDishes) {
        HP_TRY(platform.catalog().AddItem(root, r.id, fmt::format("{} {}", kCuisines[i], dish),
                                          price + static_cast<int>(rng() % 200), true));
      }
      HP_TRY(platform.identity().CreateOffline({fmt::format("staff{:02}@demo.hotpath.dev", restaurant_no),
                                                kPassword, fmt::format("Staff of {}", r.name),
                                                Role::kRestaurant, r.id}));
      ++summary.restaurants;
    }
    for (int k = 0; k < 15; ++k) {
      ++rider_no;
      HP_ASSIGN(auto rider, platform.identity().CreateOffline(
                                {fmt::format("rider{:02}@demo.hotpath.dev", rider_no), kPassword,
                                 fmt::format("Rider {:02}", rider_no), Role::kRider, ""}));
      HP_TRY(platform.fleet().GoOnline(Principal{rider.id, Role::kRider, ""}, {lat(rng), lon(rng)}));
      ++summary.riders;
    }
  }
  summary.accounts.push_back({"restaurant", "staff01@demo.hotpath.dev", kPassword,
                              "staff of the first restaurant (staff01..staff20)"});
  summary.accounts.push_back(
      {"rider", "rider01@demo.hotpath.dev", kPassword, "rider01..rider30, all online"});
  return summary;
}

}  // namespace hotpath::app
