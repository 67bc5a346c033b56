// GeoIndex: nearest, box, polygon and staleness against a brute-force reference on seeded points.
#include "tracking/geo_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace hotpath::tracking {
namespace {

TEST(GeoIndex, NearestMatchesBruteForceOnRandomRiders) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lat(40.60, 40.80), lon(-74.10, -73.90);
  std::bernoulli_distribution free(0.7);
  GeoIndex index;
  std::vector<IndexedRider> all;
  for (int i = 0; i < 3000; ++i) {
    IndexedRider r{"r" + std::to_string(i), {lat(rng), lon(rng)}, 1000, free(rng)};
    index.Upsert(r.rider_id, r.position, r.updated_at, r.available);
    all.push_back(r);
  }
  // Move a third of them (some across cells) and drop a few.
  for (int i = 0; i < 1000; ++i) {
    auto& r = all[static_cast<std::size_t>(i * 3)];
    r.position = {lat(rng), lon(rng)};
    index.Upsert(r.rider_id, r.position, r.updated_at, r.available);
  }
  for (int i = 0; i < 50; ++i) index.Remove("r" + std::to_string(i * 7 + 1));
  std::erase_if(all, [](const IndexedRider& r) {
    int n = std::stoi(r.rider_id.substr(1));
    return n % 7 == 1 && n / 7 < 50;
  });
  ASSERT_EQ(index.size(), all.size());
  for (int q = 0; q < 200; ++q) {
    geo::Point c{lat(rng), lon(rng)};
    double radius = q % 2 ? 1000 : 4000;
    auto got = index.Nearest(c, radius, 10, Availability::kAvailable, 0);
    std::vector<std::pair<double, std::string>> want;
    for (const auto& r : all) {
      double d = geo::DistanceMeters(c, r.position);
      if (r.available && d <= radius) want.emplace_back(d, r.rider_id);
    }
    std::sort(want.begin(), want.end());
    if (want.size() > 10) want.resize(10);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].rider.rider_id, want[i].second);
      EXPECT_NEAR(got[i].distance_m, want[i].first, 1e-6);
    }
  }
}

TEST(GeoIndex, NearestMatchesBruteForceInADenseCity) {
  // About 100 riders per km2 (the rings stop early), status changes, stale riders, several limits.
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> lat(40.65, 40.75), lon(-74.05, -73.95);
  GeoIndex index;
  std::vector<IndexedRider> all;
  for (int i = 0; i < 20000; ++i) {
    IndexedRider r{"d" + std::to_string(i), {lat(rng), lon(rng)}, 1000 + i % 3, i % 2 == 0};
    index.Upsert(r.rider_id, r.position, r.updated_at, r.available);
    all.push_back(r);
  }
  for (int i = 0; i < 20000; i += 5) {
    all[static_cast<std::size_t>(i)].available = !all[static_cast<std::size_t>(i)].available;
    index.SetAvailable(all[static_cast<std::size_t>(i)].rider_id, all[static_cast<std::size_t>(i)].available);
  }
  for (int q = 0; q < 300; ++q) {
    geo::Point c{lat(rng), lon(rng)};
    const double radius = q % 3 == 0 ? 300 : 1000;
    const std::size_t limit = q % 4 == 0 ? 1 : q % 4 == 1 ? 50 : 10;
    const auto which = q % 5 == 0 ? Availability::kAny : q % 5 == 1 ? Availability::kBusy : Availability::kAvailable;
    auto got = index.Nearest(c, radius, limit, which, 1001);
    std::vector<std::pair<double, std::string>> want;
    for (const auto& r : all) {
      if (r.updated_at < 1001) continue;
      if (which == Availability::kAvailable && !r.available) continue;
      if (which == Availability::kBusy && r.available) continue;
      double d = geo::DistanceMeters(c, r.position);
      if (d <= radius) want.emplace_back(d, r.rider_id);
    }
    std::sort(want.begin(), want.end());
    if (want.size() > limit) want.resize(limit);
    ASSERT_EQ(got.size(), want.size()) << q;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].rider.rider_id, want[i].second) << q;
      EXPECT_NEAR(got[i].distance_m, want[i].first, 1e-6);
    }
  }
}

TEST(GeoIndex, StaleRidersDropOutAndAreReclaimed) {
  GeoIndex index;
  index.Upsert("old", {40.7, -74.0}, 1000, true);
  index.Upsert("new", {40.7001, -74.0}, 70000, true);
  auto got = index.Nearest({40.7, -74.0}, 500, 10, Availability::kAny, 10000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rider.rider_id, "new");
  EXPECT_EQ(index.InBox({40.6, 40.8, -74.1, -73.9}, 10000).size(), 1u);
  auto gone = index.RemoveStale(10000);
  EXPECT_EQ(gone, std::vector<std::string>{"old"});
  EXPECT_EQ(index.size(), 1u);
  EXPECT_FALSE(index.Get("old"));
}

TEST(GeoIndex, AvailabilityFiltersAndBoxAndPolygonQueries) {
  GeoIndex index;
  index.Upsert("a", {40.70, -74.00}, 1, true);
  index.Upsert("b", {40.71, -74.00}, 1, false);
  index.Upsert("c", {40.75, -73.95}, 1, true);
  EXPECT_EQ(index.Nearest({40.70, -74.0}, 10000, 5, Availability::kBusy, 0).size(), 1u);
  EXPECT_EQ(index.Nearest({40.70, -74.0}, 10000, 5, Availability::kAny, 0).size(), 3u);
  EXPECT_EQ(index.Nearest({40.70, -74.0}, 5000, 5, Availability::kAny, 0).size(), 2u);  // c is 6.8 km away
  EXPECT_TRUE(index.SetAvailable("b", true));
  EXPECT_FALSE(index.SetAvailable("nobody", true));
  EXPECT_EQ(index.Nearest({40.70, -74.0}, 10000, 5, Availability::kAvailable, 0).size(), 3u);
  auto box = index.InBox({40.69, 40.72, -74.01, -73.99}, 0);
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[0].rider_id, "a");
  // A triangle that holds a and c but not b (b is north of a, above the a-c diagonal).
  std::vector<geo::Point> tri{{40.69, -74.01}, {40.69, -73.94}, {40.76, -73.94}};
  auto in = index.InPolygon(tri, 0);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].rider_id, "a");
  EXPECT_EQ(in[1].rider_id, "c");
  // A wide query (more cells than occupied) walks the occupied cells and finds the same riders.
  EXPECT_EQ(index.Nearest({40.70, -74.0}, 50000, 5, Availability::kAny, 0).size(), 3u);
}

}  // namespace
}  // namespace hotpath::tracking
