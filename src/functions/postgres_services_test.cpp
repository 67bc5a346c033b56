// The services' pipelined writes on PostgreSQL against a live server (run with the storage suite by
// tests/integration/test_postgres_storage.py, which sets HOTPATH_TEST_POSTGRES_URL): placing an
// order is one statement sent without waiting, idempotent per key across processes; a function's
// "processed" record is pipelined too and a repeat is still applied once. Fails without the variable.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <memory>
#include <set>
#include <thread>

#include "core/clock.h"
#include "events/cloud_event.h"
#include "functions/analytics.h"
#include "functions/notify.h"
#include "functions/order_status.h"
#include "functions/processed.h"
#include "events/outbox_relay.h"
#include "orders/order_store.h"
#include "storage/database.h"
#include "storage/postgres.h"

namespace hotpath {
namespace {
using storage::Connection;
using storage::Database;
using storage::Row;

std::string AdminUrl() {
  const char* url = std::getenv("HOTPATH_TEST_POSTGRES_URL");
  return url ? url : "";
}

class PostgresServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(AdminUrl().empty()) << "HOTPATH_TEST_POSTGRES_URL is not set";
    auto admin = storage::PgConnection::Open(AdminUrl());
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    std::string name = "s_" + NewId("db").substr(3, 12);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ASSERT_TRUE((*admin)->ExecScript("CREATE DATABASE " + name).ok());
    url_ = AdminUrl().substr(0, AdminUrl().rfind('/') + 1) + name;
    a_ = Open();
    ASSERT_TRUE(a_->Migrate().ok());
    ASSERT_TRUE(a_->Write<Ok>([](Connection& c) -> Result<Ok> {
                   HP_TRY(c.ExecScript(
                       "INSERT INTO users(id,email,name,role,password_hash,created_at) VALUES "
                       "('usr_c','c@x','C','customer','h',1);"
                       "INSERT INTO restaurants(id,name,lat,lon,created_at) VALUES ('rst_1','R',40.7,-74.0,1)"));
                   return Ok{};
                 }).ok());
    b_ = Open();  // a second api process on the same database
  }
  std::unique_ptr<Database> Open() {
    // Placements run on three writer connections of their own besides the ordered writer.
    auto db = Database::Open({.url = url_, .read_connections = 2, .max_batch = 64, .writers = 3});
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    return std::move(db).value();
  }
  std::int64_t Count(const std::string& sql) {
    auto n = a_->Read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
      std::int64_t v = -1;
      HP_TRY(c.Query(sql, {}, [&](const Row& r) { v = r.Int(0); }));
      return v;
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }
  static orders::Order NewOrder() {
    orders::Order o;
    o.id = NewId("ord");
    o.customer_id = "usr_c";
    o.restaurant_id = "rst_1";
    o.subtotal = 1000;
    o.total = 1299;
    o.delivery_fee = 299;
    o.currency = "USD";
    o.delivery = {40.71, -74.01};
    o.address = "1 Test St";
    o.eta_minutes = 30;
    o.created_at = o.updated_at = 5;
    o.lines = {{"itm_a", "A", 400, 2}, {"itm_b", "B", 200, 1}};
    o.history = {{orders::OrderStatus::kPlaced, "customer:usr_c", "", 5}};
    o.payment = payments::Payment{NewId("pay"), o.id, "tok_visa", payments::PaymentStatus::kAuthorized,
                                  1299, "USD", "ref"};
    return o;
  }
  // Places a fresh order object with `key` through `db`: (order id the key maps to, inserted here).
  static Result<std::pair<std::string, bool>> Place(Database& db, const std::string& key) {
    orders::Order o = NewOrder();
    auto placement = std::make_shared<orders::store::Placement>();
    HP_TRY(db.Write<Ok>(
        [&](Connection& c) -> Result<Ok> {
          HP_TRY(orders::store::PlaceOrder(c, o, key, "hash", 5, placement));
          return Ok{};
        },
        storage::WriteLane::kIndependent));
    if (placement->event) {
      EXPECT_GT(placement->event->seq, 0);
      EXPECT_EQ(placement->event->order_id, o.id);
      return std::make_pair(o.id, true);
    }
    if (!placement->existing) return Error::Internal("neither placed nor found");
    EXPECT_EQ(placement->existing->second, "hash");
    return std::make_pair(placement->existing->first, false);
  }
  std::string url_;
  std::unique_ptr<Database> a_;
  std::unique_ptr<Database> b_;
};

TEST_F(PostgresServicesTest, APlacedOrderHasAllItsRowsAndItsKeyMapsToItOnce) {
  auto first = Place(*a_, "k1");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->second);
  auto again = Place(*a_, "k1");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->second);
  EXPECT_EQ(again->first, first->first);
  EXPECT_EQ(Count("SELECT count(*) FROM orders"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM order_items"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM order_history"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE type = 'order.placed'"), 1);
}

// Many requests with a few keys from two processes at once, in shared group commits: each key makes
// one order (with its rows and one event), and every request learns that order's id.
TEST_F(PostgresServicesTest, ConcurrentPlacementsWithOneKeyFromTwoProcessesMakeOneOrder) {
  constexpr int kKeys = 4;
  constexpr int kPerKey = 6;
  std::vector<std::string> ids(kKeys * kPerKey);
  std::vector<int> inserted(kKeys * kPerKey, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kKeys * kPerKey; ++i) {
    threads.emplace_back([&, i] {
      auto r = Place(i % 2 == 0 ? *a_ : *b_, "key" + std::to_string(i % kKeys));
      ASSERT_TRUE(r.ok()) << r.error().message;
      ids[i] = r->first;
      inserted[i] = r->second ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < kKeys; ++k) {
    std::set<std::string> seen;
    int made = 0;
    for (int i = k; i < kKeys * kPerKey; i += kKeys) {
      seen.insert(ids[i]);
      made += inserted[i];
    }
    EXPECT_EQ(seen.size(), 1u) << "key" << k;
    EXPECT_EQ(made, 1) << "key" << k;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM orders"), kKeys);
  EXPECT_EQ(Count("SELECT count(*) FROM order_items"), 2 * kKeys);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), kKeys);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), kKeys);
}

TEST_F(PostgresServicesTest, AFailingPlacementFailsOnlyItsOwnUnit) {
  orders::Order bad = NewOrder();
  bad.restaurant_id = "rst_missing";  // foreign key violation, seen when the pipeline is read back
  std::thread other([&] { EXPECT_TRUE(Place(*a_, "good").ok()); });
  auto placement = std::make_shared<orders::store::Placement>();
  auto r = a_->Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(orders::store::PlaceOrder(c, bad, "bad", "hash", 5, placement));
    return Ok{};
  });
  other.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict) << r.error().message;
  EXPECT_EQ(Count("SELECT count(*) FROM orders"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
}

// The record of a processed event is pipelined ahead of the effects: a repeat (the same event again,
// from this or another process, alone or in a batch) fails its unit on the key and reports a repeat;
// the effects count once. An effect's own conflict is still reported as an error.
TEST_F(PostgresServicesTest, ApplyOnceAppliesEachEventOnceAcrossProcesses) {
  ASSERT_TRUE(a_->Write<Ok>([](Connection& c) -> Result<Ok> {
                   HP_TRY(c.ExecScript("CREATE TABLE hits (event_id TEXT NOT NULL, n BIGINT NOT NULL)"));
                   return Ok{};
                 }).ok());
  auto apply = [](Database& db, const std::string& event) {
    return functions::ApplyOnce(db, "test", event, 7, [&](Connection& c) -> Status {
      return c.ExecLater("INSERT INTO hits(event_id, n) VALUES (?, 1)", {event});
    });
  };
  auto first = apply(*a_, "e1");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  auto repeat = apply(*b_, "e1");
  ASSERT_TRUE(repeat.ok()) << repeat.error().message;
  EXPECT_FALSE(*repeat);

  std::vector<std::thread> threads;
  std::atomic<int> applied{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto r = apply(i % 2 == 0 ? *a_ : *b_, "e" + std::to_string(i % 4));
      ASSERT_TRUE(r.ok()) << r.error().message;
      if (*r) ++applied;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 3);  // e0, e2, e3 (e1 was applied above)
  EXPECT_EQ(Count("SELECT count(*) FROM hits"), 4);
  EXPECT_EQ(Count("SELECT count(DISTINCT event_id) FROM hits"), 4);

  auto conflict = functions::ApplyOnce(*a_, "test", "e9", 7, [](Connection& c) -> Status {
    return c.ExecLater("INSERT INTO users(id,email,name,role,password_hash,created_at) VALUES "
                       "('usr_d','c@x','D','customer','h',1)",  // duplicate email
                       {});
  });
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Count("SELECT count(*) FROM processed_events WHERE event_id = 'e9'"), 0);
}

Logger& QuietLog();

// The built-in functions' batches (Function::HandleBatch, one statement per batch) against the
// server: each event applied once across batches and within one, the effects those of the events
// applied one by one (counts summed per zone and minute, the latest version per order, the
// deliveries to the customer's and the staff's channels).
TEST_F(PostgresServicesTest, BatchedFunctionsApplyEachEventOnceWithTheEffectsOfOneByOne) {
  ASSERT_TRUE(a_->Write<Ok>([](Connection& c) -> Result<Ok> {
                   HP_TRY(c.ExecScript(
                       "INSERT INTO users(id,email,name,role,password_hash,created_at,restaurant_id) VALUES "
                       "('usr_s','s@x','S','restaurant','h',1,'rst_1');"
                       "INSERT INTO notification_channels(id,user_id,kind,target,secret,created_at) VALUES "
                       "('nch_c','usr_c','email','c@example.com',NULL,1),"
                       "('nch_s','usr_s','webhook','https://staff.example/hook','0123456789abcdef',1)"));
                   return Ok{};
                 }).ok());
  auto event = [](const std::string& id, const std::string& order, const std::string& type, int version,
                  const std::string& time) {
    events::CloudEvent ev;
    ev.id = id;
    ev.source = "/hotpath/orders";
    ev.type = type;
    ev.subject = order;
    ev.time = time;
    ev.dataschema = "https://hotpath.dev/schemas/order-event/v1";
    ev.schema_version = 1;
    ev.data = {{"order_id", order}, {"status", type.substr(6)}, {"version", version}, {"zone_id", "zon_1"},
               {"rider_id", nullptr}, {"customer_id", "usr_c"}, {"restaurant_id", "rst_1"}};
    events::Record r;
    r.topic = "orders";
    r.key = order;
    r.value = events::SerializeCloudEvent(ev);
    return std::make_pair(r, ev);
  };
  const auto e1 = event("evt_1", "ord_1", "order.placed", 1, "2026-11-25T10:00:30Z");
  const auto e2 = event("evt_2", "ord_2", "order.placed", 1, "2026-11-25T10:00:40Z");
  const auto e3 = event("evt_3", "ord_1", "order.delivered", 6, "2026-11-25T10:20:10Z");
  const auto e4 = event("evt_4", "ord_1", "order.accepted", 2, "2026-11-25T10:01:00Z");
  auto batch = [](std::initializer_list<const std::pair<events::Record, events::CloudEvent>*> evs) {
    std::vector<functions::Invocation> out;
    for (const auto* e : evs) out.push_back(functions::Invocation{e->first, e->second, 1, std::chrono::steady_clock::now()});
    return out;
  };
  using functions::Outcome;
  using Outcomes = std::vector<Outcome>;
  SystemClock clock;
  functions::Analytics analytics(*a_, clock);
  functions::OrderStatusCache status(*b_, clock);  // another process
  functions::Sender sender(*a_, clock, QuietLog(), {});
  functions::Notify notify(*a_, clock, sender);

  auto got = analytics.HandleBatch(batch({&e1, &e2, &e1}));  // evt_1 twice in one batch
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value(), (Outcomes{Outcome::kApplied, Outcome::kApplied, Outcome::kRepeat}));
  got = analytics.HandleBatch(batch({&e1, &e4, &e3}));  // a repeat, an ignored type, a new one
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value(), (Outcomes{Outcome::kRepeat, Outcome::kIgnored, Outcome::kApplied}));
  const Millis ten = 1795600800000;  // 2026-11-25T10:00:00Z
  EXPECT_EQ(Count(fmt::format("SELECT placed * 100 + delivered * 10 + cancelled FROM analytics_zone_minutes "
                              "WHERE zone_id = 'zon_1' AND minute = {}", ten)), 200);
  EXPECT_EQ(Count(fmt::format("SELECT placed * 100 + delivered * 10 + cancelled FROM analytics_zone_minutes "
                              "WHERE zone_id = 'zon_1' AND minute = {}", ten + 20 * 60000)), 10);
  EXPECT_EQ(Count(fmt::format("SELECT count(*) FROM analytics_orders WHERE order_id = 'ord_1' AND placed_at = {} "
                              "AND delivered_at = {} AND cancelled_at IS NULL", ten + 30000, ten + 20 * 60000 + 10000)),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM processed_events WHERE function = 'analytics'"), 3);

  got = status.HandleBatch(batch({&e1, &e3, &e4, &e2}));  // ord_1's version 6 stands, not the later 2
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value(), (Outcomes(4, Outcome::kApplied)));
  got = status.HandleBatch(batch({&e4}));
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value(), (Outcomes{Outcome::kRepeat}));
  EXPECT_EQ(Count("SELECT version FROM order_status_cache WHERE order_id = 'ord_1' AND status = 'delivered' "
                  "AND event_type = 'order.delivered' AND rider_id IS NULL"), 6);
  EXPECT_EQ(Count("SELECT version FROM order_status_cache WHERE order_id = 'ord_2' AND status = 'placed'"), 1);

  got = notify.HandleBatch(batch({&e1, &e2}));
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value(), (Outcomes(2, Outcome::kApplied)));
  got = notify.HandleBatch(batch({&e2, &e3}));
  ASSERT_TRUE(got && got->ok());
  EXPECT_EQ(got->value(), (Outcomes{Outcome::kRepeat, Outcome::kApplied}));
  EXPECT_EQ(Count("SELECT count(*) FROM notify_deliveries"), 6);  // 3 events x (customer, staff)
  EXPECT_EQ(Count("SELECT count(*) FROM notify_deliveries WHERE id = 'evt_2.nch_s' AND event_id = 'evt_2' "
                  "AND channel_id = 'nch_s' AND kind = 'webhook' AND secret = '0123456789abcdef' "
                  "AND subject = 'Order ord_2: placed' AND ordering_key = 'ord_2' AND status = 'pending' "
                  "AND body LIKE '{%'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM notify_deliveries WHERE id = 'evt_3.nch_c' AND kind = 'email' "
                  "AND secret IS NULL AND target = 'c@example.com' "
                  "AND body LIKE 'Order ord_1: delivered' || E'\\r\\n\\r\\n' || '{%'"), 1);

  // An alarm is not batched: the runtime hands it to Handle.
  events::CloudEvent alarm = e1.second;
  alarm.type = "alarm.state_changed";
  EXPECT_FALSE(notify.HandleBatch({functions::Invocation{e1.first, alarm, 1, std::chrono::steady_clock::now()}}).has_value());
}

// What the relay published, in publishing order (the other bus operations are not used).
class RecordingBus final : public events::EventBus {
 public:
  Result<events::Position> Publish(std::string_view topic, std::string_view key, std::string_view value) override {
    HP_ASSIGN(auto p, PublishBatch(topic, {{std::string(key), std::string(value)}}));
    return p.front();
  }
  Result<std::vector<events::Position>> PublishBatch(std::string_view topic,
                                                     const std::vector<events::Message>& messages) override {
    std::lock_guard lock(mu);
    std::vector<events::Position> out;
    for (const auto& m : messages) {
      published.push_back({std::string(topic), m});
      out.push_back({0, static_cast<std::int64_t>(published.size())});
    }
    return out;
  }
  Result<std::unique_ptr<events::Consumer>> Subscribe(const std::string&, const std::vector<std::string>&,
                                                      const events::SubscribeOptions&) override {
    return Error::Internal("not used");
  }
  Result<int> Partitions(std::string_view) override { return 1; }
  [[nodiscard]] std::string_view Kind() const override { return "recording"; }
  // Event ids ("id" of the CloudEvent payload, or the raw payload) per key, in publishing order.
  std::map<std::string, std::vector<std::string>> ByKey() {
    std::lock_guard lock(mu);
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [topic, m] : published) out[m.key].push_back(m.value);
    return out;
  }
  std::size_t Size() {
    std::lock_guard lock(mu);
    return published.size();
  }
  std::mutex mu;
  std::vector<std::pair<std::string, events::Message>> published;
};

Logger& QuietLog() {
  static Logger log(LogLevel::kError);
  return log;
}

// An outbox row of key `key` whose payload is `payload`.
Status AppendRaw(Connection& c, const std::string& key, const std::string& payload) {
  auto n = c.Exec("INSERT INTO outbox(id,topic,key,type,payload,created_at) VALUES (?,'orders',?,'t',?,1)",
                  {NewId("ev"), key, payload});
  if (!n.ok()) return std::move(n).error();
  return OkStatus();
}

// Placements from several writer connections of two processes, and for each order a second event
// written after its placement committed, while the relay runs passes concurrently: every event is
// relayed exactly once (no crash here, so no repeats), each order's events in commit order.
TEST_F(PostgresServicesTest, ConcurrentPlacementsFromSeveralConnectionsAreAllRelayedInOrderPerKey) {
  RecordingBus bus;
  prometheus::Registry registry;
  events::OutboxRelay relay(*a_, bus, QuietLog(), registry);
  std::atomic<bool> done{false};
  std::thread relaying([&] {
    while (!done.load()) {
      auto n = relay.RelayOnce();
      ASSERT_TRUE(n.ok()) << n.error().message;
    }
  });
  constexpr int kThreads = 8;
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Database& db = t % 2 == 0 ? *a_ : *b_;
      for (int i = 0; i < kPerThread; ++i) {
        auto placed = Place(db, "key-" + std::to_string(t) + "-" + std::to_string(i));
        ASSERT_TRUE(placed.ok()) << placed.error().message;
        auto next = db.Write<Ok>([&](Connection& c) -> Result<Ok> {
          HP_TRY(AppendRaw(c, placed->first, "second"));
          return Ok{};
        });
        ASSERT_TRUE(next.ok()) << next.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  done = true;
  relaying.join();
  auto last = relay.RelayOnce();
  ASSERT_TRUE(last.ok()) << last.error().message;

  EXPECT_EQ(static_cast<std::int64_t>(bus.Size()), Count("SELECT count(*) FROM outbox"));
  auto by_key = bus.ByKey();
  ASSERT_EQ(by_key.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (const auto& [key, values] : by_key) {
    ASSERT_EQ(values.size(), 2u) << key;
    EXPECT_NE(values[0].find("order.placed"), std::string::npos) << key;
    EXPECT_EQ(values[1], "second") << key;
  }
  // The placements committed on more than one connection: their transactions interleaved.
  EXPECT_GT(Count("SELECT count(DISTINCT xid) FROM outbox WHERE type = 'order.placed'"), 1);
}

// A transaction with the lower id (or the lower seq) that commits after a higher one: the relay
// waits for it instead of skipping it, and a relay restarted on the same database resumes from
// the persisted position without losing or repeating anything.
TEST_F(PostgresServicesTest, ARowCommittedLateByALowerTransactionIsRelayedNotSkipped) {
  RecordingBus bus;
  prometheus::Registry registry;
  events::OutboxRelay relay(*a_, bus, QuietLog(), registry);
  ASSERT_TRUE(relay.RelayOnce().ok());
  auto open = [&] {
    auto c = storage::PgConnection::Open(url_);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  };
  auto low = open();   // takes its transaction id first, writes its row last (higher seq)
  auto high = open();  // takes a later id, writes first (lower seq), commits first
  ASSERT_TRUE(low->ExecScript("BEGIN; SELECT pg_current_xact_id()").ok());
  ASSERT_TRUE(high->ExecScript("BEGIN").ok());
  ASSERT_TRUE(AppendRaw(*high, "k", "high").ok());
  ASSERT_TRUE(AppendRaw(*low, "k", "low").ok());
  ASSERT_TRUE(high->ExecScript("COMMIT").ok());
  // A lower seq committing later: early writes seq s, late writes seq s+1 and commits first.
  auto early = open();
  auto late = open();
  ASSERT_TRUE(early->ExecScript("BEGIN").ok());
  ASSERT_TRUE(AppendRaw(*early, "m", "early").ok());
  ASSERT_TRUE(late->ExecScript("BEGIN").ok());
  ASSERT_TRUE(AppendRaw(*late, "m", "late").ok());
  ASSERT_TRUE(late->ExecScript("COMMIT").ok());
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE payload IN ('high', 'late')"), 2);  // both visible

  auto n = relay.RelayOnce();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 0);  // both wait for the lower transactions still running
  ASSERT_TRUE(low->ExecScript("COMMIT").ok());
  n = relay.RelayOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);  // low, high (transaction order); late still waits for early
  ASSERT_TRUE(early->ExecScript("COMMIT").ok());
  n = relay.RelayOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  auto by_key = bus.ByKey();
  EXPECT_EQ(by_key["k"], (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(by_key["m"], (std::vector<std::string>{"early", "late"}));

  // Per key, sequential transactions are relayed in commit order; a new relay (a restart) resumes.
  for (const char* v : {"one", "two", "three"}) {
    ASSERT_TRUE(b_->Write<Ok>([&](Connection& c) -> Result<Ok> {
                   HP_TRY(AppendRaw(c, "s", v));
                   return Ok{};
                 }).ok());
  }
  RecordingBus bus2;
  prometheus::Registry registry2;
  events::OutboxRelay restarted(*b_, bus2, QuietLog(), registry2);
  n = restarted.RelayOnce();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(bus2.ByKey()["s"], (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(bus2.Size(), 3u);
  EXPECT_EQ(*restarted.RelayOnce(), 0);
}

}  // namespace
}  // namespace hotpath
