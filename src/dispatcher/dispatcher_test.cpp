#include <gtest/gtest.h>

#include <cmath>

#include "core/geo.h"
#include "dispatch/engine.h"
#include "dispatcher/offer_book.h"
#include "dispatcher/snapshot_builder.h"

namespace hotpath::dispatcher {
namespace {

Offer MakeOffer(const std::string& rider, std::vector<std::string> orders, Millis now, Millis ttl) {
  Offer o;
  o.rider_id = rider;
  o.zone_id = "zone_a";
  o.order_ids = std::move(orders);
  o.created_at = now;
  o.expires_at = now + ttl;
  return o;
}

TEST(OfferBook, TakeOnlyByItsRiderAndOnlyOnce) {
  OfferBook book(60000, 600000);
  Offer o = book.Add(MakeOffer("rider_1", {"ord_1"}, 1000, 30000));
  EXPECT_EQ(book.Take("off_missing", "rider_1", 2000).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(book.Take(o.id, "rider_2", 2000).error().code, ErrorCode::kForbidden);
  auto taken = book.Take(o.id, "rider_1", 2000);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->status, OfferStatus::kAccepted);
  auto again = book.Take(o.id, "rider_1", 2001);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "this offer is accepted");
  // While the assignment is being written the rider and the order stay out of the next epoch.
  EXPECT_EQ(book.OrdersOnOffer(), std::set<std::string>{"ord_1"});
  EXPECT_EQ(book.BusyRiders(2001), std::set<std::string>{"rider_1"});
  book.Confirm(o.id);
  EXPECT_TRUE(book.OrdersOnOffer().empty());
  EXPECT_TRUE(book.BusyRiders(2001).empty());
}

TEST(OfferBook, AWithdrawnOfferFreesItsRiderAndOrders) {
  OfferBook book(60000, 600000);
  Offer o = book.Add(MakeOffer("rider_1", {"ord_1"}, 1000, 30000));
  ASSERT_TRUE(book.Take(o.id, "rider_1", 2000).ok());
  book.Withdraw(o.id, 2001);
  EXPECT_TRUE(book.OrdersOnOffer().empty());
  EXPECT_TRUE(book.BusyRiders(2001).empty());
  EXPECT_EQ(book.Take(o.id, "rider_1", 2002).error().message, "this offer is withdrawn");
}

TEST(OfferBook, ExpiredOffersCannotBeAcceptedAndCoolTheRiderDown) {
  OfferBook book(5000, 600000);
  Offer o = book.Add(MakeOffer("rider_1", {"ord_1", "ord_2"}, 1000, 30000));
  EXPECT_EQ(book.OrdersOnOffer(), (std::set<std::string>{"ord_1", "ord_2"}));
  EXPECT_EQ(book.BusyRiders(2000), std::set<std::string>{"rider_1"});
  EXPECT_TRUE(book.ExpireDue(30999).empty());
  auto expired = book.ExpireDue(31000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].status, OfferStatus::kExpired);
  EXPECT_TRUE(book.OrdersOnOffer().empty());
  EXPECT_EQ(book.BusyRiders(35999), std::set<std::string>{"rider_1"});  // cooldown
  EXPECT_TRUE(book.BusyRiders(36000).empty());
  auto late = book.Take(o.id, "rider_1", 32000);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().message, "this offer is expired");
}

TEST(OfferBook, AnAnswerAfterTheTimeoutIsRefusedEvenBeforeTheSweep) {
  OfferBook book(5000, 600000);
  Offer o = book.Add(MakeOffer("rider_1", {"ord_1"}, 1000, 30000));
  EXPECT_EQ(book.Take(o.id, "rider_1", 31000).error().code, ErrorCode::kConflict);
  EXPECT_TRUE(book.PendingFor("rider_1").empty());
}

TEST(OfferBook, DeclineFreesTheOrdersAndForgetsOldDecisions) {
  OfferBook book(5000, 60000);
  Offer o = book.Add(MakeOffer("rider_1", {"ord_1"}, 1000, 30000));
  auto d = book.Decline(o.id, "rider_1", 2000);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, OfferStatus::kDeclined);
  EXPECT_TRUE(book.OrdersOnOffer().empty());
  EXPECT_TRUE(book.PendingInZone("zone_a").empty());
  EXPECT_EQ(book.Decline(o.id, "rider_1", 2001).error().code, ErrorCode::kConflict);
  book.ExpireDue(62001);
  EXPECT_EQ(book.Decline(o.id, "rider_1", 62002).error().code, ErrorCode::kNotFound);
}

TEST(SnapshotBuilder, ProjectsDistancesAndMapsIdsBack) {
  geo::Point restaurant{40.7128, -74.0060};
  geo::Point home{40.7228, -73.9960};
  WaitingOrder w{"ord_x", "res_1", restaurant, home, 1'000'000, 1'600'000, 3'400'000};
  IdleRider near{"rider_near", {40.7138, -74.0060}};
  IdleRider far{"rider_far", {40.7528, -74.0060}};
  ZoneSnapshot z = BuildSnapshot({w}, {far, near}, 1'000'500, {}, 3600);
  ASSERT_EQ(z.snapshot.orders.size(), 1u);
  const auto& o = z.snapshot.orders[0];
  EXPECT_EQ(o.placed, 1000);
  EXPECT_EQ(o.ready, 1600);
  EXPECT_EQ(o.promised, 3400);
  EXPECT_EQ(z.snapshot.now, 1000);
  double planar = std::hypot(o.dropoff.x - o.pickup.x, o.dropoff.y - o.pickup.y);
  EXPECT_NEAR(planar, geo::DistanceMeters(restaurant, home), geo::DistanceMeters(restaurant, home) * 0.01);
  ASSERT_EQ(z.rider_ids, (std::vector<std::string>{"rider_far", "rider_near"}));
  EXPECT_EQ(z.snapshot.couriers[1].free_at, 1000);
  EXPECT_EQ(z.snapshot.couriers[1].shift_end, 4600);

  // The engine, given an order that is ready now, commits it to the nearer rider.
  z.snapshot.orders[0].ready = z.snapshot.now;
  dispatch::StraightLineTravelTimes travel(300, dispatch::StraightLineTravelTimes::Rounding::kRoundUpToSecond);
  auto plan = dispatch::Solve(z.snapshot, travel, dispatch::Options{}, dispatch::Deadline::Never());
  ASSERT_EQ(plan.committed.size(), 1u);
  EXPECT_EQ(z.rider_ids.at(static_cast<std::size_t>(plan.committed[0].courier)), "rider_near");
  EXPECT_EQ(z.order_ids.at(static_cast<std::size_t>(plan.committed[0].orders[0])), "ord_x");
}

}  // namespace
}  // namespace hotpath::dispatcher
