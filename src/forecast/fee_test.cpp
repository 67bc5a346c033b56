#include "forecast/fee.h"

#include <gtest/gtest.h>

namespace hotpath::forecast {
namespace {

ZoneLoad Load(double live, double forecast, int couriers) {
  ZoneLoad l;
  l.now = *ParseTimestamp("2024-05-01 18:00");
  l.live_orders_per_hour = live;
  l.forecast_orders_per_hour = forecast;
  l.forecast_q90_per_hour = forecast * 1.3;
  l.available_couriers = couriers;
  return l;
}

TEST(FeeTest, NoSurgeWhenCouriersAreAmple) {
  const FeePolicy policy;
  const auto q = QuoteDeliveryFee(policy, Load(10, 10, 20), FeeState{});
  EXPECT_EQ(q.fee, 300);  // 2.99 rounded to the 10p step
  EXPECT_EQ(q.breakdown.multiplier, 1.0);
  EXPECT_EQ(q.currency, "GBP");
  EXPECT_EQ(q.breakdown.base + q.breakdown.demand_surcharge + q.breakdown.cap_adjustment, q.fee);
  EXPECT_FALSE(q.breakdown.lines.empty());
}

TEST(FeeTest, SurgeIsSmoothedAndCapped) {
  FeePolicy policy;
  policy.smoothing = 0.5;
  FeeState state;
  // Demand far above capacity: target multiplier is the cap, reached gradually.
  std::vector<double> multipliers;
  FeeQuote q;
  for (int i = 0; i < 8; ++i) {
    q = QuoteDeliveryFee(policy, Load(100, 100, 2), state);
    state = q.next_state;
    multipliers.push_back(q.breakdown.multiplier);
    EXPECT_LE(q.fee, policy.max_fee);
    EXPECT_GE(q.fee, policy.min_fee);
  }
  EXPECT_DOUBLE_EQ(q.breakdown.target_multiplier, policy.max_multiplier);
  EXPECT_NEAR(multipliers[0], 1.5, 1e-9);  // half of the gap to x2 on the first quote
  for (size_t i = 1; i < multipliers.size(); ++i) EXPECT_GE(multipliers[i], multipliers[i - 1]);
  // 2.99 x ~2 = ~5.98 is under the 6.99 cap; a lower cap binds and is explained.
  policy.max_fee = 450;
  q = QuoteDeliveryFee(policy, Load(100, 100, 2), state);
  EXPECT_EQ(q.fee, 450);
  EXPECT_LT(q.breakdown.cap_adjustment, 0);
  EXPECT_NE(q.breakdown.lines.back().find("capped"), std::string::npos);
}

TEST(FeeTest, HysteresisStopsFlapping) {
  FeePolicy policy;
  policy.hysteresis = 0.15;
  FeeState state{1.3};
  // Load oscillating slightly around the level that gives x1.3: the fee must not change.
  const int couriers = 10;  // capacity 25 orders/h; x1.3 at load 1.1 = 27.5 orders/h
  std::vector<long> fees;
  for (double demand : {27.5, 29.0, 26.0, 28.5, 26.5, 27.0}) {
    const auto q = QuoteDeliveryFee(policy, Load(demand, demand, couriers), state);
    state = q.next_state;
    fees.push_back(q.fee);
  }
  for (long f : fees) EXPECT_EQ(f, fees.front());
}

TEST(FeeTest, NoCouriersMeansMaximumSurgeAndQuotesExpire) {
  const FeePolicy policy;
  const auto q = QuoteDeliveryFee(policy, Load(5, 5, 0), FeeState{policy.max_multiplier});
  EXPECT_EQ(q.breakdown.multiplier, policy.max_multiplier);
  EXPECT_TRUE(QuoteValid(q, q.quoted_at + std::chrono::seconds(299)));
  EXPECT_FALSE(QuoteValid(q, q.quoted_at + std::chrono::seconds(300)));
}

}  // namespace
}  // namespace hotpath::forecast
