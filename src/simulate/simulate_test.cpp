#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "simulate/city_model.h"
#include "simulate/options.h"
#include "simulate/summary.h"

namespace hotpath::simulate {
namespace {

TEST(DemandCurve, PeaksAtLunchAndDinnerAndIsQuietAtNight) {
  EXPECT_NEAR(DemandShare(12.5), 1.0, 1e-9);
  EXPECT_NEAR(DemandShare(19.5), 1.0, 1e-9);
  EXPECT_LT(DemandShare(3.5), 0.05);
  EXPECT_LT(DemandShare(16.0), DemandShare(12.5));
  EXPECT_LT(DemandShare(16.0), DemandShare(19.0));
  EXPECT_NEAR(DemandShare(12.5 + 24), DemandShare(12.5), 1e-9);  // wraps every day
  EXPECT_NEAR(DemandShare(-11.5), DemandShare(12.5), 1e-9);
}

TEST(ArrivalProcess, FollowsTheCurveAndTheSeed) {
  ArrivalProcess a(120, 7), b(120, 7), c(120, 8);
  std::vector<double> ta, tb, tc;
  double t = 0;
  int lunch = 0, night = 0;
  while (t < 24 * 3600) {
    t = a.Next(t);
    ta.push_back(t);
    if (t >= 12 * 3600 && t < 13 * 3600) ++lunch;
    if (t >= 3 * 3600 && t < 4 * 3600) ++night;
  }
  for (double x = 0; tb.size() < ta.size();) tb.push_back(x = b.Next(x));
  for (double x = 0; tc.size() < 10;) tc.push_back(x = c.Next(x));
  EXPECT_EQ(ta, tb);
  EXPECT_NE(std::vector<double>(ta.begin(), ta.begin() + 10), tc);
  // About 120 an hour at the lunch peak (Poisson: within +-4 sigma), a handful at night.
  EXPECT_GT(lunch, 70);
  EXPECT_LT(lunch, 160);
  EXPECT_LT(night, 15);
  EXPECT_TRUE(std::is_sorted(ta.begin(), ta.end()));
}

TEST(Movement, StraightLineClampsAtTheTarget) {
  geo::Point a{40.70, -74.00}, b{40.71, -74.00};
  double d = geo::DistanceMeters(a, b);
  auto half = Toward(a, b, d / 2);
  EXPECT_NEAR(geo::DistanceMeters(a, half), d / 2, 1.0);
  EXPECT_NEAR(geo::DistanceMeters(half, b), d / 2, 1.0);
  auto past = Toward(a, b, d * 2);
  EXPECT_DOUBLE_EQ(past.lat, b.lat);
  EXPECT_DOUBLE_EQ(past.lon, b.lon);
}

TEST(PlaneMapping, FitsTheInstanceIntoTheCityWithOneScale) {
  CityBox box{40.67, -74.02, 40.73, -73.94};
  PlaneMapping m(0, 0, 20000, 10000, box);  // 20 km x 10 km
  auto sw = m.ToCity(0, 0), ne = m.ToCity(20000, 10000), mid = m.ToCity(10000, 5000);
  for (auto p : {sw, ne, mid}) {
    EXPECT_GE(p.lat, box.min_lat - 1e-9);
    EXPECT_LE(p.lat, box.max_lat + 1e-9);
    EXPECT_GE(p.lon, box.min_lon - 1e-9);
    EXPECT_LE(p.lon, box.max_lon + 1e-9);
  }
  EXPECT_NEAR(mid.lat, box.Center().lat, 1e-6);
  EXPECT_NEAR(mid.lon, box.Center().lon, 1e-6);
  // Distances scale uniformly in both directions.
  double east = geo::DistanceMeters(m.ToCity(0, 0), m.ToCity(1000, 0));
  double north = geo::DistanceMeters(m.ToCity(0, 0), m.ToCity(0, 1000));
  EXPECT_NEAR(east, 1000 * m.scale(), 2);
  EXPECT_NEAR(north, 1000 * m.scale(), 2);
}

TEST(AssignShifts, UsesAsFewAccountsAsOverlapsNeed) {
  // Three overlap at 30..60, the fourth starts when the first ends.
  std::vector<std::pair<double, double>> shifts{{0, 60}, {30, 90}, {20, 70}, {60, 120}, {200, 300}};
  auto acc = AssignShifts(shifts);
  ASSERT_EQ(acc.size(), shifts.size());
  EXPECT_EQ(*std::max_element(acc.begin(), acc.end()), 2);
  for (std::size_t i = 0; i < shifts.size(); ++i) {
    for (std::size_t j = i + 1; j < shifts.size(); ++j) {
      bool overlap = shifts[i].first < shifts[j].second && shifts[j].first < shifts[i].second;
      if (overlap) {
        EXPECT_NE(acc[i], acc[j]) << i << " " << j;
      }
    }
  }
}

TEST(Summary, StatisticsAndJson) {
  EXPECT_DOUBLE_EQ(Mean({}), 0);
  EXPECT_DOUBLE_EQ(Percentile({}, 0.9), 0);
  std::vector<double> v{10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  EXPECT_DOUBLE_EQ(Mean(v), 55);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.9), 90);
  EXPECT_DOUBLE_EQ(Percentile(v, 1.0), 100);
  Summary s;
  s.mode = "curve";
  s.placed = 10, s.delivered = 6, s.cancelled = 1, s.rejected = 1;
  s.click_to_door_min = {30, 40};
  s.errors["pickup 500"] = 2;
  auto j = SummaryJson(s);
  EXPECT_EQ(j["orders"].as_object()["open"].as_int64(), 2);
  EXPECT_EQ(j["errors"].as_object()["total"].as_int64(), 2);
  EXPECT_DOUBLE_EQ(j["click_to_door_min"].as_object()["mean"].as_double(), 35);
  EXPECT_NE(SummaryText(s).find("pickup 500"), std::string::npos);
  EXPECT_EQ(ClockText(12 * 3600 + 41 * 60 + 5), "12:41");
  EXPECT_EQ(ClockText(24 * 3600 + 15 * 60), "d1 00:15");
}

TEST(Options, DefaultsAndFlags) {
  auto d = ParseOptions({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->url, "http://127.0.0.1:8080");
  auto o = ParseOptions({"--url", "http://127.0.0.1:9000/", "--speedup=60", "--duration", "0", "--seed", "42",
                         "--start", "18:45", "--json", "--riders", "5", "--mdrp", "/x"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->url, "http://127.0.0.1:9000");
  EXPECT_DOUBLE_EQ(o->speedup, 60);
  EXPECT_DOUBLE_EQ(o->duration_s, 0);
  EXPECT_EQ(o->seed, 42u);
  EXPECT_DOUBLE_EQ(o->start_hour, 18.75);
  EXPECT_TRUE(o->json);
  EXPECT_EQ(o->riders, 5);
  EXPECT_EQ(o->mdrp, "/x");
}

TEST(Options, BadArgumentsAreNamed) {
  auto expect_error = [](std::vector<std::string> args, const std::string& needle) {
    auto r = ParseOptions(args);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  expect_error({"--speedup", "fast"}, "--speedup needs a number");
  expect_error({"--speedup", "0"}, "--speedup must be between");
  expect_error({"--riders", "2.5"}, "--riders needs a whole number");
  expect_error({"--start", "25:00"}, "--start needs a time of day");
  expect_error({"--colour", "red"}, "unknown flag --colour");
  expect_error({"--duration"}, "flag --duration needs a value");
  expect_error({"--url", "ftp://x"}, "--url must be an http:// URL");
  expect_error({"stray"}, "unexpected argument 'stray'");
  expect_error({"--json=yes"}, "--json takes no value");
  expect_error({"--cancel-rate", "0.7", "--reject-rate", "0.5"}, "must not exceed 1");
}

}  // namespace
}  // namespace hotpath::simulate
