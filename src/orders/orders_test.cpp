#include <gtest/gtest.h>

#include "orders/order_json.h"
#include "orders/pricing.h"
#include "orders/state_machine.h"

namespace hotpath::orders {
namespace {

TEST(StateMachine, HappyPath) {
  EXPECT_EQ(*Transition(OrderStatus::kPlaced, Action::kAccept, Actor::kRestaurant), OrderStatus::kAccepted);
  EXPECT_EQ(*Transition(OrderStatus::kAccepted, Action::kReady, Actor::kRestaurant), OrderStatus::kReady);
  EXPECT_EQ(*Transition(OrderStatus::kReady, Action::kPickup, Actor::kRider), OrderStatus::kPickedUp);
  EXPECT_EQ(*Transition(OrderStatus::kPickedUp, Action::kDeliver, Actor::kRider), OrderStatus::kDelivered);
}

TEST(StateMachine, CustomerMayCancelOnlyBeforeAcceptance) {
  EXPECT_EQ(*Transition(OrderStatus::kPlaced, Action::kCancel, Actor::kCustomer), OrderStatus::kCancelled);
  auto late = Transition(OrderStatus::kAccepted, Action::kCancel, Actor::kCustomer);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  ASSERT_EQ(late.error().extras.size(), 1u);
  EXPECT_EQ(late.error().extras[0].second, "\"accepted\"");
}

TEST(StateMachine, WrongActorIsForbiddenAndFinalStatesAreFinal) {
  EXPECT_EQ(Transition(OrderStatus::kPlaced, Action::kAccept, Actor::kCustomer).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(Transition(OrderStatus::kReady, Action::kPickup, Actor::kRestaurant).error().code,
            ErrorCode::kForbidden);
  for (auto final_status : {OrderStatus::kDelivered, OrderStatus::kRejected, OrderStatus::kCancelled}) {
    EXPECT_TRUE(IsFinal(final_status));
    for (auto a : {Action::kAccept, Action::kReject, Action::kReady, Action::kPickup, Action::kDeliver,
                   Action::kCancel}) {
      for (auto who : {Actor::kCustomer, Actor::kRestaurant, Actor::kRider, Actor::kAdmin}) {
        EXPECT_FALSE(Transition(final_status, a, who).ok());
      }
    }
  }
}

TEST(StateMachine, NamesRoundTrip) {
  for (auto s : {OrderStatus::kPlaced, OrderStatus::kAccepted, OrderStatus::kReady, OrderStatus::kPickedUp,
                 OrderStatus::kDelivered, OrderStatus::kRejected, OrderStatus::kCancelled}) {
    EXPECT_EQ(ParseStatus(StatusName(s)), s);
  }
  EXPECT_FALSE(ParseStatus("lost"));
}

TEST(Pricing, SumsLinesAndChargesPerStartedKilometre) {
  Tariff t;
  t.base_fee = 200;
  t.fee_per_km = 50;
  t.small_order_threshold = 1000;
  t.small_order_fee = 100;
  geo::Point r{40.0, -74.0};
  geo::Point d{40.0 + 2.5 / 111.195, -74.0};  // 2.5 km north
  auto q = PriceOrder({{450, 2}, {300, 1}}, r, d, t);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->subtotal, 1200);
  EXPECT_EQ(q->delivery_fee, 200 + 3 * 50);
  EXPECT_EQ(q->small_order_fee, 0);
  EXPECT_EQ(q->total, 1200 + 350);
  auto small = PriceOrder({{450, 1}}, r, d, t);
  EXPECT_EQ(small->small_order_fee, 100);
  EXPECT_EQ(small->total, 450 + 350 + 100);
  EXPECT_GT(q->eta_minutes, t.default_prep_minutes);
}

TEST(Pricing, RefusesAddressesBeyondTheRadius) {
  Tariff t;
  t.max_delivery_km = 5;
  auto q = PriceOrder({{100, 1}}, {40.0, -74.0}, {40.1, -74.0}, t);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code, ErrorCode::kUnprocessable);
}

TEST(OrderRequest, ReportsEveryBadField) {
  auto body = json::ParseObject(
      R"({"restaurant_id":"r","items":[{"item_id":"a","quantity":0},{"item_id":"b","quantity":101},{"quantity":1}],
          "delivery":{"lat":95,"lon":0,"address":""},"tip":5})");
  ASSERT_TRUE(body.ok());
  auto r = ParseOrderRequest(*body, true);
  ASSERT_FALSE(r.ok());
  std::vector<std::string> fields;
  for (const auto& f : r.error().fields) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"items[0].quantity", "items[1].quantity", "items[2].item_id",
                                              "delivery.lat", "delivery.address", "payment_method", "tip"}));
}

TEST(OrderRequest, TheQuantityLimitHoldsPerItemAcrossLines) {
  auto parse = [](const char* items) {
    return ParseOrderRequest(*json::ParseObject(std::string(R"({"restaurant_id":"r","items":)") + items +
                                                R"(,"delivery":{"lat":1,"lon":1,"address":"x"},"payment_method":"t"})"),
                             true);
  };
  EXPECT_TRUE(parse(R"([{"item_id":"a","quantity":60},{"item_id":"b","quantity":60},{"item_id":"a","quantity":40}])").ok());
  auto r = parse(R"([{"item_id":"a","quantity":60},{"item_id":"b","quantity":1},{"item_id":"a","quantity":41}])");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].field, "items[2].quantity");
  EXPECT_NE(r.error().fields[0].reason.find("101"), std::string::npos) << r.error().fields[0].reason;
}

TEST(OrderRequest, AcceptsAWellFormedOrder) {
  auto body = json::ParseObject(
      R"({"restaurant_id":"r","items":[{"item_id":"a","quantity":2}],"delivery":{"lat":40.7,"lon":-74,"address":"1 Main St"},
          "payment_method":"tok_visa"})");
  auto r = ParseOrderRequest(*body, true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].quantity, 2);
  EXPECT_EQ(r->payment_method, "tok_visa");
  EXPECT_TRUE(
      ParseOrderRequest(*json::ParseObject(
                            R"({"restaurant_id":"r","items":[],"delivery":{"lat":1,"lon":1,"address":"x"}})"),
                        false)
          .ok() == false);
}

}  // namespace
}  // namespace hotpath::orders
