// OrderService against a real SQLite file: idempotency, payments, concurrency and event order.
#include "orders/order_service.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <thread>

#include "cache/flaky_cache.h"
#include "cache/memory_cache.h"
#include "catalog/catalog_service.h"
#include "orders/cache_bumper.h"
#include "fleet/fleet_service.h"

namespace hotpath::orders {
namespace {
using identity::Principal;
using identity::Role;

class OrderServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / NewId("hp_orders");
    std::filesystem::create_directories(dir_);
    auto db =
        storage::Database::Open({.path = (dir_ / "t.db").string(), .read_connections = 4, .max_batch = 64});
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Migrate().ok());
    // Users the orders refer to (foreign keys).
    for (const auto& [id, role] : {std::pair{"cust", "customer"},
                                   {"cust2", "customer"},
                                   {"staff", "restaurant"},
                                   {"rider", "rider"},
                                   {"admin", "admin"}}) {
      ASSERT_TRUE(
          db_->Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
               HP_TRY(c.Exec(
                   "INSERT INTO users(id,email,name,role,password_hash,created_at) VALUES (?,?,?,?,'x',0)",
                   {std::string(id), std::string(id) + "@t.dev", std::string(id), std::string(role)}));
               return Ok{};
             })
              .ok());
    }
    catalog_ = std::make_unique<catalog::CatalogService>(*db_, clock_, "USD");
    fleet_ = std::make_unique<fleet::FleetService>(
        *db_, clock_, [this](geo::Point p) { return catalog_->ZoneAt(p); }, [] {});
    orders_ = std::make_unique<OrderService>(*db_, clock_, *catalog_, *fleet_, provider_, hub_, log_,
                                             Tariff{}, "USD");
    auto zone =
        catalog_->CreateZone(admin_, "Z", {{40.6, -74.1}, {40.6, -73.9}, {40.8, -73.9}, {40.8, -74.1}});
    ASSERT_TRUE(zone.ok());
    auto r = catalog_->CreateRestaurant(admin_, "R", {40.70, -74.00}, std::nullopt);
    ASSERT_TRUE(r.ok());
    restaurant_ = r->id;
    EXPECT_EQ(r->zone_id, zone->id);
    auto item = catalog_->AddItem(admin_, restaurant_, "Pizza", 1200, true);
    ASSERT_TRUE(item.ok());
    item_ = item->id;
    staff_ = {"staff", Role::kRestaurant, restaurant_};
  }
  void TearDown() override {
    orders_.reset();
    fleet_.reset();
    catalog_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  OrderRequest Cart(int qty = 2, std::string method = "tok_visa") {
    return OrderRequest{restaurant_, {{item_, qty}}, {40.71, -74.00}, "1 Test St", std::move(method)};
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'764'000'000'000};
  Logger log_{LogLevel::kError};
  payments::SandboxProvider provider_;
  LiveHub hub_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<catalog::CatalogService> catalog_;
  std::unique_ptr<fleet::FleetService> fleet_;
  std::unique_ptr<OrderService> orders_;
  Principal admin_{"admin", Role::kAdmin, ""};
  Principal customer_{"cust", Role::kCustomer, ""};
  Principal staff_;
  Principal rider_{"rider", Role::kRider, ""};
  std::string restaurant_, item_;
};

TEST_F(OrderServiceTest, IdempotencyKeyReturnsTheSameOrderAndRefusesAnotherBody) {
  auto a = orders_->Place(customer_, "k1", "hash-a", Cart());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->replayed);
  auto again = orders_->Place(customer_, "k1", "hash-a", Cart());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->order.id, a->order.id);
  auto other = orders_->Place(customer_, "k1", "hash-b", Cart(3));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kUnprocessable);
  // The key belongs to the customer: another customer may use the same key.
  Principal other_customer{"cust2", Role::kCustomer, ""};
  auto theirs = orders_->Place(other_customer, "k1", "hash-a", Cart());
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(theirs->order.id, a->order.id);
}

TEST_F(OrderServiceTest, DeclinedCardCreatesNoOrder) {
  auto r = orders_->Place(customer_, "k-declined", "h", Cart(1, "tok_declined"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPaymentDeclined);
  auto n = db_->Read<std::int64_t>([](storage::Connection& c) -> Result<std::int64_t> {
    std::int64_t count = -1;
    HP_TRY(c.Query("SELECT COUNT(*) FROM orders", {}, [&](const storage::Row& row) { count = row.Int(0); }));
    return count;
  });
  EXPECT_EQ(*n, 0);
}

TEST_F(OrderServiceTest, ConcurrentTransitionsNeverBothWin) {
  for (int round = 0; round < 20; ++round) {
    auto placed = orders_->Place(customer_, "race" + std::to_string(round), "h", Cart());
    ASSERT_TRUE(placed.ok());
    std::string id = placed->order.id;
    std::atomic<int> wins{0}, conflicts{0};
    std::thread accept([&] {
      auto r = orders_->Act(staff_, id, Action::kAccept, {10, ""});
      (r.ok() ? wins : conflicts)++;
    });
    std::thread cancel([&] {
      auto r = orders_->Act(customer_, id, Action::kCancel, {std::nullopt, "changed my mind"});
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, ErrorCode::kConflict);
      }
      (r.ok() ? wins : conflicts)++;
    });
    accept.join();
    cancel.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(conflicts.load(), 1);
    auto o = orders_->Get(admin_, id);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->history.size(), 2u);
    if (o->status == OrderStatus::kCancelled) {
      EXPECT_EQ(o->payment->status, payments::PaymentStatus::kVoided);
    }
    if (o->status == OrderStatus::kAccepted) {
      EXPECT_EQ(o->payment->status, payments::PaymentStatus::kAuthorized);
    }
  }
}

TEST_F(OrderServiceTest, FullLifecycleAssignsTheRiderCapturesAndPublishesInOrder) {
  std::vector<std::string> seen;
  std::vector<std::int64_t> seqs;
  auto placed = orders_->Place(customer_, "life", "h", Cart());
  ASSERT_TRUE(placed.ok());
  std::string id = placed->order.id;
  hub_.Subscribe(id, [&](const OrderEvent& ev) {
    seen.push_back(ev.type);
    seqs.push_back(ev.seq);
  });
  ASSERT_TRUE(fleet_->GoOnline(rider_, {40.705, -74.0}).ok());
  ASSERT_TRUE(orders_->Act(staff_, id, Action::kAccept, {12, ""}).ok());
  auto assigned = orders_->AssignPending();
  ASSERT_TRUE(assigned.ok());
  EXPECT_EQ(*assigned, 1);
  EXPECT_EQ(fleet_->Get("rider")->status, fleet::RiderStatus::kBusy);
  // A customer cannot pick up; the rider cannot before it is ready.
  EXPECT_EQ(orders_->Act(customer_, id, Action::kPickup, {}).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(orders_->Act(rider_, id, Action::kPickup, {}).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(orders_->Act(staff_, id, Action::kReady, {}).ok());
  ASSERT_TRUE(orders_->Act(rider_, id, Action::kPickup, {}).ok());
  auto done = orders_->Act(rider_, id, Action::kDeliver, {});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->payment->status, payments::PaymentStatus::kCaptured);
  EXPECT_EQ(fleet_->Get("rider")->status, fleet::RiderStatus::kAvailable);
  EXPECT_EQ(seen, (std::vector<std::string>{"order.accepted", "order.rider_assigned", "order.ready",
                                            "order.picked_up", "order.delivered"}));
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  auto events = orders_->EventsAfter(customer_, id, 0);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 6u);  // placed + the five above
  EXPECT_EQ(events->front().type, "order.placed");
  auto later = orders_->EventsAfter(customer_, id, (*events)[2].seq);
  EXPECT_EQ(later->size(), 3u);
  // Someone else's order is 403, an unknown one 404.
  Principal stranger{"cust2", Role::kCustomer, ""};
  EXPECT_EQ(orders_->Get(stranger, id).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(orders_->Get(customer_, "ord_nope").error().code, ErrorCode::kNotFound);
  auto refunded = orders_->Refund(admin_, id);
  ASSERT_TRUE(refunded.ok());
  EXPECT_EQ(refunded->payment->status, payments::PaymentStatus::kRefunded);
  EXPECT_EQ(orders_->Refund(admin_, id).error().code, ErrorCode::kConflict);
}

TEST_F(OrderServiceTest, UnknownAndUnavailableItemsAreNamed) {
  OrderRequest bad = Cart();
  bad.items.push_back({"itm_missing", 1});
  auto r = orders_->QuoteOrder(customer_, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].field, "items[1].item_id");
  ASSERT_TRUE(catalog_->PatchItem(admin_, restaurant_, item_, {std::nullopt, std::nullopt, false}).ok());
  auto off = orders_->QuoteOrder(customer_, Cart());
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace hotpath::orders

namespace hotpath::orders {
namespace {

// A fee source whose fee the test sets: the zone surges between quote and placement.
class SettableFee final : public DeliveryFeeSource {
 public:
  std::int64_t surcharge = 0;
  DeliveryFee FeeFor(const std::string&, std::int64_t base, Millis) override {
    DeliveryFee f;
    f.fee = base + surcharge;
    f.breakdown.base = base;
    f.breakdown.surcharge = surcharge;
    f.breakdown.reason = "test";
    return f;
  }
};

TEST_F(OrderServiceTest, AQuoteHoldsItsFeeUntilItExpiresAndAReplayOutlivesIt) {
  QuoteSigner signer("test secret");
  SettableFee fees;
  orders_->SetQuoting(&signer, std::chrono::seconds(300), &fees);
  auto q = orders_->QuoteOrder(customer_, Cart());
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_FALSE(q->quote_id.empty());
  ASSERT_TRUE(q->fee_breakdown.has_value());
  EXPECT_EQ(q->expires_at, clock_.NowMillis() + 300'000);
  const std::int64_t quoted = q->delivery_fee;

  fees.surcharge = 150;  // the zone got busy
  OrderRequest with_quote = Cart();
  with_quote.quote_id = q->quote_id;
  auto placed = orders_->Place(customer_, "q1", "h1", with_quote);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  EXPECT_EQ(placed->order.delivery_fee, quoted);
  EXPECT_EQ(placed->order.total, q->total);
  auto current = orders_->Place(customer_, "q2", "h2", Cart());
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->order.delivery_fee, quoted + 150);

  clock_.Advance(std::chrono::seconds(300));
  auto late = orders_->Place(customer_, "q3", "h3", with_quote);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  // A retry of the placement that succeeded in time replays it, expired quote or not.
  auto replay = orders_->Place(customer_, "q1", "h1", with_quote);
  ASSERT_TRUE(replay.ok()) << replay.error().message;
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->order.id, placed->order.id);
}

TEST_F(OrderServiceTest, AQuoteIsForItsCustomerRestaurantAndDropOff) {
  QuoteSigner signer("test secret");
  orders_->SetQuoting(&signer, std::chrono::seconds(300), nullptr);
  auto q = orders_->QuoteOrder(customer_, Cart());
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->fee_breakdown.has_value());
  OrderRequest req = Cart();
  req.quote_id = q->quote_id;
  Principal other{"cust2", Role::kCustomer, ""};
  EXPECT_EQ(orders_->Place(other, "m1", "h", req).error().code, ErrorCode::kInvalidArgument);
  OrderRequest moved = req;
  moved.delivery.lat += 0.0001;
  EXPECT_EQ(orders_->Place(customer_, "m2", "h", moved).error().code, ErrorCode::kInvalidArgument);
  OrderRequest forged = req;
  forged.quote_id.back() = forged.quote_id.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(orders_->Place(customer_, "m3", "h", forged).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(orders_->Place(customer_, "m4", "h", req).ok());
}

// The shared cache (Redis in production) between two processes: the writer, and a reader serving
// GET /v1/orders/{id}. As in the platform, each committed event bumps its order after the commit
// (the hub's tap); here the writer dies right after the commit: nothing it sends after it reaches the
// cache (not the bump, not the end of a change). Whoever then acknowledges the change (a retry
// answered by another process, the change's own response), a read after it must not be the old
// status; nor later, once a dead writer's mark has expired.
TEST_F(OrderServiceTest, AStatusChangeWhoseWriterDiesAfterItsCommitIsNeverReadStaleElsewhere) {
  cache::MemoryCache redis(clock_);
  cache::FlakyCache writer_link(redis);
  cache::VersionedOptions opts;
  opts.change_ttl = 10000;
  cache::VersionedCache writer_cache(writer_link, opts);
  std::vector<std::string> reads;
  cache::VersionedCache counted_reader(redis, opts, {[&](std::string_view r) { reads.emplace_back(r); }});
  orders_->SetSharedCache(&writer_cache);
  LiveHub reader_hub;
  OrderService reader(*db_, clock_, *catalog_, *fleet_, provider_, reader_hub, log_, Tariff{}, "USD");
  reader.SetSharedCache(&counted_reader);
  hub_.SetTap([this](const OrderEvent& ev) { orders_->InvalidateCached(ev.order_id); });
  auto placed = orders_->Place(customer_, "k-crash", "h", Cart());
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  const std::string id = placed->order.id;
  auto status_of = [&](const Result<std::string>& json) {
    EXPECT_TRUE(json.ok()) << json.error().message;
    if (!json.ok()) return std::string();
    return std::string(boost::json::parse(*json).as_object().at("status").as_string());
  };
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "placed");
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "placed");
  EXPECT_EQ(reads, (std::vector<std::string>{"miss", "hit"}));  // the old status is in the shared cache

  hub_.SetTap([&](const OrderEvent& ev) {
    writer_link.down = true;  // committed; the writer dies before anything else leaves it
    orders_->InvalidateCached(ev.order_id);
  });
  ASSERT_TRUE(orders_->Act(staff_, id, Action::kAccept, {10, ""}).ok());
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "accepted");
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "accepted");
  clock_.Advance(std::chrono::milliseconds(opts.change_ttl + 1));  // the dead writer's mark expires
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "accepted");
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "accepted");
  EXPECT_EQ(reads.back(), "hit");  // cached again, under a version made after the change
  orders_->SetSharedCache(nullptr);
  hub_.SetTap(nullptr);
}

// Redis unreachable from the writer for a whole change (its mark and its bumps fail; it answers
// anyway, Redis being an accelerator): the bump is applied from the outbox by the bumper once the
// cache answers there, also by a bumper started after the failed pass (the position is stored).
TEST_F(OrderServiceTest, AnOrderBumpMissedByItsWriterIsAppliedFromTheOutboxAtLeastOnce) {
  cache::MemoryCache redis(clock_);
  cache::FlakyCache writer_link(redis), bumper_link(redis);
  cache::VersionedCache writer_cache(writer_link, {});
  cache::VersionedCache reader_cache(redis, {});
  cache::VersionedCache bumper_cache(bumper_link, {});
  orders_->SetSharedCache(&writer_cache);
  hub_.SetTap([this](const OrderEvent& ev) { orders_->InvalidateCached(ev.order_id); });
  LiveHub reader_hub;
  OrderService reader(*db_, clock_, *catalog_, *fleet_, provider_, reader_hub, log_, Tariff{}, "USD");
  reader.SetSharedCache(&reader_cache);
  auto status_of = [&](const Result<std::string>& json) {
    EXPECT_TRUE(json.ok()) << json.error().message;
    if (!json.ok()) return std::string();
    return std::string(boost::json::parse(*json).as_object().at("status").as_string());
  };
  std::string id;
  {
    CacheBumper first(*db_, bumper_cache, log_, std::chrono::milliseconds(1000));
    EXPECT_EQ(first.BumpOnce().value(), 0);  // starts at the outbox's end
    auto placed = orders_->Place(customer_, "k-away", "h", Cart());
    ASSERT_TRUE(placed.ok()) << placed.error().message;
    EXPECT_EQ(first.BumpOnce().value(), 0);  // nothing of an order is cached before its placement
    id = placed->order.id;
    EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "placed");
    writer_link.down = true;
    ASSERT_TRUE(orders_->Act(staff_, id, Action::kAccept, {10, ""}).ok());
    EXPECT_EQ(writer_cache.PendingForTest(), 1u);  // remembered by the writer only
    bumper_link.down = true;
    EXPECT_FALSE(first.BumpOnce().ok());  // the cache does not answer the bumper either: not passed
  }
  bumper_link.down = false;
  CacheBumper restarted(*db_, bumper_cache, log_, std::chrono::milliseconds(1000));
  EXPECT_EQ(restarted.BumpOnce().value(), 1);
  EXPECT_EQ(status_of(reader.GetJson(customer_, id)), "accepted");
  EXPECT_EQ(restarted.BumpOnce().value(), 0);  // passed: bumped once
  orders_->SetSharedCache(nullptr);
  hub_.SetTap(nullptr);
}

}  // namespace
}  // namespace hotpath::orders
