// FeeDesk: the distance fee when calm or off, surges with demand against riders, caps, smoothing
// (a refresh moves the multiplier halfway, no move between refreshes, no flapping) and live demand.
#include "demand/fee_desk.h"

#include <gtest/gtest.h>

namespace hotpath::demand {
namespace {
constexpr Millis kT0 = 1'790'000'000'000;
constexpr Millis kSec = 1000;

struct Fixture {
  ZoneSignals signals{10, std::nullopt};
  int asked = 0;
  FeeDesk desk;
  explicit Fixture(FeeSettings s)
      : desk(s, [this](const std::string&, Millis) {
          ++asked;
          return signals;
        }) {}
  void Place(int n, Millis at) {
    for (int i = 0; i < n; ++i) desk.OnOrderPlaced("z", at);
  }
};

FeeSettings On() {
  FeeSettings s;
  s.enabled = true;
  s.max_multiplier = 2.0;
  s.max_surcharge = 300;
  s.refresh = std::chrono::seconds(30);
  s.demand_window = std::chrono::minutes(15);
  s.orders_per_courier_hour = 2.0;
  return s;
}

TEST(FeeDesk, OffChargesTheDistanceFeeAndAsksNothing) {
  Fixture f(FeeSettings{});
  f.Place(100, kT0);
  auto fee = f.desk.FeeFor("z", 319, kT0);
  EXPECT_EQ(fee.fee, 319);
  EXPECT_EQ(fee.breakdown.multiplier, 1.0);
  EXPECT_NE(fee.breakdown.reason.find("off"), std::string::npos);
  EXPECT_EQ(f.asked, 0);
}

TEST(FeeDesk, CalmZoneChargesTheDistanceFeeExactly) {
  Fixture f(On());
  f.Place(3, kT0 - 60 * kSec);  // 12 orders/h against 10 riders x 2/h
  auto fee = f.desk.FeeFor("z", 319, kT0);
  EXPECT_EQ(fee.fee, 319);
  EXPECT_EQ(fee.breakdown.surcharge, 0);
  EXPECT_DOUBLE_EQ(fee.breakdown.demand_per_hour, 12.0);
  EXPECT_EQ(fee.breakdown.riders, 10);
  EXPECT_FALSE(fee.breakdown.forecast_per_hour.has_value());
}

TEST(FeeDesk, SurgeIsSmoothedAndOnlyMovesAtRefresh) {
  Fixture f(On());
  f.signals.riders_available = 2;  // capacity 4/h
  f.Place(3, kT0 - 60 * kSec);     // 12/h -> load 3 -> target = min(1 + 2.2, 2) = 2
  auto first = f.desk.FeeFor("z", 200, kT0);
  EXPECT_DOUBLE_EQ(first.breakdown.multiplier, 1.5);  // halfway from 1 to 2
  EXPECT_EQ(first.fee, 300);
  // Within the refresh period nothing is asked and nothing moves, whatever happens.
  f.Place(50, kT0);
  auto again = f.desk.FeeFor("z", 200, kT0 + 29 * kSec);
  EXPECT_EQ(again.fee, 300);
  EXPECT_EQ(f.asked, 1);
  auto later = f.desk.FeeFor("z", 200, kT0 + 30 * kSec);
  EXPECT_DOUBLE_EQ(later.breakdown.multiplier, 1.75);
  EXPECT_EQ(f.asked, 2);
}

TEST(FeeDesk, SmallChangesDoNotFlap) {
  Fixture f(On());
  f.signals.riders_available = 3;  // capacity 6/h
  f.Place(2, kT0 - 60 * kSec);     // 8/h live
  // The forecast alternates between 8/h and 9/h: targets x1.53 and x1.60, closer than the hysteresis.
  auto at = [&](int i) {
    f.signals.forecast_per_hour = i % 2 ? 9.0 : 8.0;
    return f.desk.FeeFor("z", 1000, kT0 + i * 30 * kSec).breakdown.multiplier;
  };
  EXPECT_NEAR(at(0), 1.267, 1e-3);  // halfway from 1 to 1.533
  for (int i = 1; i < 6; ++i) at(i);
  const double settled = at(6);
  for (int i = 7; i <= 20; ++i) EXPECT_DOUBLE_EQ(at(i), settled) << i;
  EXPECT_GT(settled, 1.4);
  EXPECT_LT(settled, 1.6);
}

TEST(FeeDesk, CapsByMultiplierAndBySurcharge) {
  auto s = On();
  s.max_multiplier = 3.0;
  s.max_surcharge = 150;
  Fixture f(s);
  f.signals.riders_available = 0;  // no capacity at all: the target is the maximum multiplier
  f.Place(1, kT0);
  Millis t = kT0;
  orders::DeliveryFee fee;
  for (int i = 0; i < 12; ++i, t += 30 * kSec) fee = f.desk.FeeFor("z", 200, t);
  EXPECT_LE(fee.breakdown.multiplier, 3.0);
  EXPECT_GT(fee.breakdown.multiplier, 2.9);
  EXPECT_EQ(fee.fee, 350);  // 200 x ~3 = ~600, capped at 200 + 150
  EXPECT_EQ(fee.breakdown.surcharge, 150);
  EXPECT_NE(fee.breakdown.reason.find("capped"), std::string::npos) << fee.breakdown.reason;
  // A bigger distance fee gets the same cap on top of it, never less than itself.
  EXPECT_EQ(f.desk.FeeFor("z", 1000, t).fee, 1150);
}

TEST(FeeDesk, ForecastCountsWhenLiveDemandIsLow) {
  Fixture f(On());
  f.signals.riders_available = 2;  // capacity 4/h
  f.signals.forecast_per_hour = 20.0;  // 0.6 x 0 + 0.4 x 20 = 8/h -> load 2 -> target 2.0
  auto fee = f.desk.FeeFor("z", 200, kT0);
  EXPECT_DOUBLE_EQ(fee.breakdown.multiplier, 1.5);
  ASSERT_TRUE(fee.breakdown.forecast_per_hour.has_value());
  EXPECT_DOUBLE_EQ(*fee.breakdown.forecast_per_hour, 20.0);
}

TEST(FeeDesk, LiveDemandForgetsOrdersOutsideTheWindow) {
  Fixture f(On());
  f.Place(4, kT0 - 20 * 60 * kSec);
  f.Place(2, kT0 - 5 * 60 * kSec);
  f.desk.OnOrderPlaced("other", kT0);
  EXPECT_DOUBLE_EQ(f.desk.LiveOrdersPerHour("z", kT0), 8.0);  // 2 in 15 minutes
  EXPECT_DOUBLE_EQ(f.desk.LiveOrdersPerHour("z", kT0 + 11 * 60 * kSec), 0.0);
  EXPECT_DOUBLE_EQ(f.desk.LiveOrdersPerHour("other", kT0), 4.0);
}

TEST(FeeDesk, OldMinutesAreForgottenWithoutQuotes) {
  Fixture f(On());
  for (int i = 0; i < 24 * 60; ++i) f.desk.OnOrderPlaced("busy", kT0 + i * 60 * kSec);  // a day, one a minute
  // Only the last 15 minutes are kept and counted (the oldest, partial minute in full): 15-16 orders
  // per 15 minutes, not the day's 1,440.
  const double rate = f.desk.LiveOrdersPerHour("busy", kT0 + (24 * 60 - 1) * 60 * kSec);
  EXPECT_GE(rate, 60.0);
  EXPECT_LE(rate, 64.0);
}

TEST(FeeDesk, NoZoneIsTheDistanceFee) {
  Fixture f(On());
  EXPECT_EQ(f.desk.FeeFor("", 250, kT0).fee, 250);
  EXPECT_EQ(f.asked, 0);
}

}  // namespace
}  // namespace hotpath::demand
