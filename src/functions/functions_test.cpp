#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/trace.h"
#include "events/cloud_event.h"
#include "events/embedded_bus.h"
#include "functions/analytics.h"
#include "functions/channels.h"
#include "functions/controls.h"
#include "functions/notify.h"
#include "functions/transports.h"
#include "functions/order_status.h"
#include "functions/processed.h"
#include "functions/runtime.h"

namespace hotpath::functions {
namespace {
namespace fs = std::filesystem;
namespace bj = boost::json;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hotpath-functions-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Logger& QuietLog() {
  static Logger log(LogLevel::kError);
  return log;
}

// Polls `cond` until it holds or 10 s pass.
bool WaitFor(const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

std::string OrderEvent(const std::string& id, const std::string& order, const std::string& type, int version,
                       const std::string& time = "2026-11-25T10:00:30Z", const std::string& zone = "zone_a") {
  events::CloudEvent ev;
  ev.id = id;
  ev.source = "/hotpath/orders";
  ev.type = type;
  ev.subject = order;
  ev.time = time;
  ev.dataschema = "https://hotpath.dev/schemas/order-event/v1";
  ev.schema_version = 1;
  ev.data = {{"order_id", order}, {"status", type.size() > 6 ? type.substr(6) : type}, {"version", version}, {"zone_id", zone},
             {"rider_id", nullptr}, {"customer_id", "usr_c"}, {"restaurant_id", "rst_r"}};
  return events::SerializeCloudEvent(ev);
}

// Records what it saw; fails the events whose id is in `failing`.
class Recorder final : public Function {
 public:
  Result<Outcome> Handle(const Invocation& inv) override {
    std::lock_guard lock(mu);
    attempts[inv.event.id]++;
    if (failing.contains(inv.event.id)) return Error::Unavailable("sink down");
    if (inv.event.type == "bogus") return Error::Invalid("unknown event type 'bogus'");
    order.push_back(inv.event.id);
    return Outcome::kApplied;
  }
  std::mutex mu;
  std::map<std::string, int> attempts;
  std::set<std::string> failing;
  std::vector<std::string> order;
};

struct Fixture {
  TempDir dir;
  SystemClock clock;
  ops::Metrics metrics;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<events::EmbeddedBus> bus;
  Fixture() {
    storage::DatabaseOptions opts;
    opts.path = dir.path() + "/db.sqlite";
    db = std::move(storage::Database::Open(opts).value());
    EXPECT_TRUE(db->Migrate().ok());
    bus = std::move(events::EmbeddedBus::Open(dir.path() + "/events", clock, QuietLog()).value());
  }
  FunctionSpec Spec(const std::string& name) {
    FunctionSpec s;
    s.name = name;
    s.topics = {"orders"};
    s.concurrency = 2;
    s.max_attempts = 3;
    s.backoff_initial = 1ms;
    s.backoff_max = 4ms;
    return s;
  }
  std::vector<bj::object> DeadLetters(const std::string& name) {
    auto c = bus->Subscribe("test.reader." + name, {events::DeadLetterTopic(name)}).value();
    std::vector<bj::object> out;
    while (true) {
      auto got = c->Poll(100, 20ms).value();
      if (got.empty()) break;
      for (auto& r : got) out.push_back(bj::parse(r.value).as_object());
    }
    return out;
  }
};

TEST(Backoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  FunctionSpec s;
  s.backoff_initial = 100ms;
  s.backoff_max = 1000ms;
  EXPECT_EQ(Backoff(s, 1, 1.0), 100ms);
  EXPECT_EQ(Backoff(s, 1, 0.0), 50ms);
  EXPECT_EQ(Backoff(s, 3, 1.0), 400ms);
  EXPECT_EQ(Backoff(s, 10, 1.0), 1000ms);
  EXPECT_EQ(Backoff(s, 60, 0.0), 500ms);  // no overflow for many attempts
}

TEST(Runtime, PoisonEventsGoToTheDeadLetterTopicAndThePartitionMovesOn) {
  Fixture f;
  auto rec = std::make_shared<Recorder>();
  Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
  ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
  ASSERT_TRUE(rt.Start().ok());
  // One key: one partition, so the good events behind the poison wait for it.
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", OrderEvent("evt_1", "ord_1", "order.placed", 1)).ok());
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", "{not json").ok());
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", OrderEvent("evt_2", "ord_1", "bogus", 2)).ok());
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", OrderEvent("evt_3", "ord_1", "order.accepted", 3)).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(rec->mu);
    return rec->order.size() == 2;
  }));
  {
    std::lock_guard lock(rec->mu);
    EXPECT_EQ(rec->order, (std::vector<std::string>{"evt_1", "evt_3"}));
    EXPECT_EQ(rec->attempts["evt_2"], 3);
  }
  auto dead = f.DeadLetters("rec");
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].at("value").as_string(), "{not json");
  EXPECT_NE(std::string(dead[0].at("error").as_string()).find("not a valid CloudEvent"), std::string::npos);
  EXPECT_NE(std::string(dead[1].at("error").as_string()).find("unknown event type"), std::string::npos);
  EXPECT_EQ(dead[1].at("attempts").as_int64(), 3);
  EXPECT_NE(f.metrics.Render().find("hotpath_function_dead_letters_total{function=\"rec\"} 2"), std::string::npos);
  rt.Stop();
}

// Takes consecutive records together; a batch holding an id of `fail` fails as a whole.
class BatchRecorder final : public Function {
 public:
  Result<Outcome> Handle(const Invocation& inv) override {
    std::lock_guard lock(mu);
    alone.push_back(inv.event.id);
    order.push_back(inv.event.id);
    return Outcome::kApplied;
  }
  std::optional<Result<std::vector<Outcome>>> HandleBatch(const std::vector<Invocation>& invs) override {
    std::lock_guard lock(mu);
    for (const auto& inv : invs) {
      if (fail.contains(inv.event.id)) {
        ++failed_batches;
        return Result<std::vector<Outcome>>(Error::Unavailable("database down"));
      }
    }
    batch_sizes.push_back(invs.size());
    for (const auto& inv : invs) order.push_back(inv.event.id);
    return std::vector<Outcome>(invs.size(), Outcome::kApplied);
  }
  std::size_t Handled() {
    std::lock_guard lock(mu);
    return order.size();
  }
  std::mutex mu;
  std::set<std::string> fail;
  std::vector<std::string> order;  // every record handled, in handling order
  std::vector<std::string> alone;  // those handled by Handle
  std::vector<std::size_t> batch_sizes;
  int failed_batches = 0;
};

TEST(Runtime, RecordsAreHandledTogetherInOrderAndAFailedBatchGoesOneByOne) {
  Fixture f;
  auto rec = std::make_shared<BatchRecorder>();
  rec->fail.insert("evt_4");
  // One key: one partition, read in one poll before the workers start.
  for (int i = 1; i <= 5; ++i) {
    std::string id = "evt_" + std::to_string(i);
    ASSERT_TRUE(f.bus->Publish("orders", "ord_1", OrderEvent(id, "ord_1", "order.placed", i)).ok());
  }
  {
    Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
    ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
    ASSERT_TRUE(rt.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return rec->Handled() == 5; }));
    rt.Stop();
  }
  {
    std::lock_guard lock(rec->mu);
    EXPECT_EQ(rec->order, (std::vector<std::string>{"evt_1", "evt_2", "evt_3", "evt_4", "evt_5"}));
    EXPECT_GE(rec->failed_batches, 1);  // the batch with evt_4 failed, its records then went alone
    EXPECT_NE(std::find(rec->alone.begin(), rec->alone.end(), "evt_4"), rec->alone.end());
    std::size_t together = 0;
    for (auto n : rec->batch_sizes) together += n;
    EXPECT_EQ(together + rec->alone.size(), 5u);
  }
  // Every record's offset was committed: a new runtime handles only what comes next, in a batch.
  Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
  ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
  ASSERT_TRUE(rt.Start().ok());
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", OrderEvent("evt_6", "ord_1", "order.placed", 6)).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(rec->mu);
    return !rec->order.empty() && rec->order.back() == "evt_6";
  }));
  rt.Stop();
  std::lock_guard lock(rec->mu);
  EXPECT_EQ(rec->order.size(), 6u);  // evt_1..5 were not handled again before it
  EXPECT_EQ(std::count(rec->order.begin(), rec->order.end(), "evt_6"), 1);
  EXPECT_EQ(std::find(rec->alone.begin(), rec->alone.end(), "evt_6"), rec->alone.end());
}

TEST(Runtime, CommittedProgressSurvivesARestartAndReplayRedrivesDeadLetters) {
  Fixture f;
  auto rec = std::make_shared<Recorder>();
  rec->failing.insert("evt_2");
  {
    Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
    ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
    ASSERT_TRUE(rt.Start().ok());
    for (int i = 1; i <= 3; ++i) {
      std::string id = "evt_" + std::to_string(i);
      ASSERT_TRUE(f.bus->Publish("orders", "ord_" + std::to_string(i), OrderEvent(id, "ord_x", "order.placed", 1)).ok());
    }
    ASSERT_TRUE(WaitFor([&] { return f.DeadLetters("rec").size() == 1; }));
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard lock(rec->mu);
      return rec->order.size() == 2;
    }));
  }
  // A new runtime on the same group continues after what was committed: nothing handled twice.
  Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
  ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
  ASSERT_TRUE(rt.Start().ok());
  ASSERT_TRUE(f.bus->Publish("orders", "ord_4", OrderEvent("evt_4", "ord_4", "order.placed", 1)).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(rec->mu);
    return rec->order.size() == 3;
  }));
  {
    std::lock_guard lock(rec->mu);
    EXPECT_EQ(rec->attempts["evt_1"], 1);
    EXPECT_EQ(rec->attempts["evt_3"], 1);
    rec->failing.clear();  // the sink is back
  }
  auto replayed = rt.ReplayDeadLetters("rec");
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, 1);
  {
    std::lock_guard lock(rec->mu);
    EXPECT_EQ(rec->order.back(), "evt_2");
  }
  EXPECT_EQ(*rt.ReplayDeadLetters("rec"), 0);  // each dead letter is re-driven once
  EXPECT_EQ(rt.ReplayDeadLetters("nope").error().code, ErrorCode::kNotFound);

  // The CLI's way: a row in function_replays, served by the runtime.
  ASSERT_TRUE(f.db->Write<Ok>([](storage::Connection& c) -> Result<Ok> {
                    HP_TRY(c.Exec("INSERT INTO function_replays(function, requested_at) VALUES ('rec', 0)"));
                    return Ok{};
                  }).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto done = f.db->Read<bool>([](storage::Connection& c) -> Result<bool> {
      bool d = false;
      HP_TRY(c.Query("SELECT done_at IS NOT NULL AND replayed = 0 FROM function_replays", {},
                     [&](const storage::Row& r) { d = r.Int(0) == 1; }));
      return d;
    });
    return done.ok() && *done;
  }));
  rt.Stop();
}

TEST(Runtime, APausedFunctionReadsNothingWhileItsLagGrowsAndCatchesUpInOrderWhenResumed) {
  Fixture f;
  auto rec = std::make_shared<Recorder>();
  auto handled = [&] {
    std::lock_guard lock(rec->mu);
    return rec->order.size();
  };
  auto lag = [](Runtime& rt) { return rt.List().at(0).lag; };
  auto publish = [&](int i) {
    std::string id = "evt_" + std::to_string(i);
    ASSERT_TRUE(f.bus->Publish("orders", "ord_" + std::to_string(i % 3), OrderEvent(id, "ord_x", "order.placed", 1)).ok());
  };
  {
    Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
    ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
    ASSERT_TRUE(rt.Start().ok());
    publish(1);
    ASSERT_TRUE(WaitFor([&] { return handled() == 1 && lag(rt) == 0; }));
    ASSERT_TRUE(rt.SetPaused("rec", true).ok());
    EXPECT_TRUE(rt.List().at(0).paused);
    for (int i = 2; i <= 6; ++i) publish(i);
    ASSERT_TRUE(WaitFor([&] { return lag(rt) == 5; })) << lag(rt);
    EXPECT_EQ(handled(), 1u);
    EXPECT_EQ(rt.SetPaused("nope", true).error().code, ErrorCode::kNotFound);
  }
  // Recorded pauses hold across a restart; a resume recorded elsewhere reaches the runtime.
  Controls controls(*f.db, f.clock);
  ASSERT_TRUE(controls.Set("rec", true, "usr_ops").ok());
  Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
  ASSERT_TRUE(rt.Add(f.Spec("rec"), rec).ok());
  ASSERT_TRUE(rt.Start().ok());
  EXPECT_TRUE(rt.List().at(0).paused);
  publish(7);
  ASSERT_TRUE(WaitFor([&] { return lag(rt) == 6; })) << lag(rt);
  EXPECT_EQ(handled(), 1u);
  ASSERT_TRUE(controls.Set("rec", false, "usr_ops").ok());
  ASSERT_TRUE(WaitFor([&] { return handled() == 7 && lag(rt) == 0; })) << handled() << " " << lag(rt);
  EXPECT_FALSE(rt.List().at(0).paused);
  {
    std::lock_guard lock(rec->mu);
    std::vector<std::string> by_key[3];
    for (const auto& id : rec->order) by_key[std::stoi(id.substr(4)) % 3].push_back(id);
    for (const auto& ids : by_key) EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << ::testing::PrintToString(ids);
  }
  auto listed = controls.List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->at("rec").changed_by, "usr_ops");
  EXPECT_FALSE(listed->at("rec").paused);
  EXPECT_NE(f.metrics.Render().find("hotpath_function_paused{function=\"rec\"} 0"), std::string::npos);
}

TEST(Runtime, RejectsBadDefinitions) {
  Fixture f;
  Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
  auto rec = std::make_shared<Recorder>();
  auto spec = f.Spec("Bad Name");
  EXPECT_EQ(rt.Add(spec, rec).error().code, ErrorCode::kInvalidArgument);
  spec = f.Spec("ok");
  spec.topics = {};
  EXPECT_FALSE(rt.Add(spec, rec).ok());
  EXPECT_TRUE(rt.Add(f.Spec("ok"), rec).ok());
  EXPECT_FALSE(rt.Add(f.Spec("ok"), rec).ok());
}

TEST(OrderStatusCache, KeepsTheLatestVersionAndAppliesEachEventOnce) {
  Fixture f;
  OrderStatusCache cache(*f.db, f.clock);
  auto apply = [&](const std::string& json) {
    auto ev = events::ParseCloudEvent(json).value();
    events::Record r;
    Invocation inv{r, ev, 1, {}};
    return cache.Handle(inv);
  };
  EXPECT_EQ(*apply(OrderEvent("evt_1", "ord_1", "order.placed", 1)), Outcome::kApplied);
  EXPECT_EQ(*apply(OrderEvent("evt_2", "ord_1", "order.accepted", 2)), Outcome::kApplied);
  EXPECT_EQ(*apply(OrderEvent("evt_1", "ord_1", "order.placed", 1)), Outcome::kRepeat);
  EXPECT_EQ(*apply(OrderEvent("evt_0", "ord_1", "order.placed", 1)), Outcome::kApplied);  // stale: no overwrite
  auto got = cache.Lookup("ord_1").value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, "accepted");
  EXPECT_EQ(got->version, 2);
  EXPECT_FALSE(cache.Lookup("ord_2").value().has_value());
  EXPECT_EQ(apply(OrderEvent("evt_9", "ord_1", "order.teleported", 3)).error().code, ErrorCode::kInvalidArgument);
}

TEST(Analytics, CountsPerZoneAndMinuteAndClickToDoorOnce) {
  Fixture f;
  Analytics a(*f.db, f.clock);
  auto apply = [&](const std::string& json) {
    auto ev = events::ParseCloudEvent(json).value();
    events::Record r;
    Invocation inv{r, ev, 1, {}};
    return a.Handle(inv);
  };
  // ord_1: placed 10:00:10, delivered 10:30:10 (30 min); ord_2: placed 10:00:50, delivered 10:10:50 (10 min);
  // ord_3 placed 10:01:00 and cancelled; ord_4 in another zone.
  ASSERT_TRUE(apply(OrderEvent("e1", "ord_1", "order.placed", 1, "2026-11-25T10:00:10Z")).ok());
  ASSERT_TRUE(apply(OrderEvent("e2", "ord_2", "order.placed", 1, "2026-11-25T10:00:50Z")).ok());
  ASSERT_TRUE(apply(OrderEvent("e3", "ord_3", "order.placed", 1, "2026-11-25T10:01:00Z")).ok());
  ASSERT_TRUE(apply(OrderEvent("e4", "ord_3", "order.cancelled", 2, "2026-11-25T10:02:00Z")).ok());
  ASSERT_TRUE(apply(OrderEvent("e5", "ord_2", "order.delivered", 6, "2026-11-25T10:10:50Z")).ok());
  ASSERT_TRUE(apply(OrderEvent("e6", "ord_1", "order.delivered", 6, "2026-11-25T10:30:10Z")).ok());
  ASSERT_TRUE(apply(OrderEvent("e7", "ord_4", "order.placed", 1, "2026-11-25T10:00:10Z", "zone_b")).ok());
  EXPECT_EQ(*apply(OrderEvent("e1", "ord_1", "order.placed", 1, "2026-11-25T10:00:10Z")), Outcome::kRepeat);
  EXPECT_EQ(*apply(OrderEvent("e8", "ord_1", "order.accepted", 2, "2026-11-25T10:00:20Z")), Outcome::kIgnored);

  Millis from = events::ParseRfc3339("2026-11-25T10:00:00Z").value();
  Millis to = events::ParseRfc3339("2026-11-25T11:00:00Z").value();
  auto rep = a.Query("zone_a", from, to).value();
  EXPECT_EQ(rep.totals.placed, 3);
  EXPECT_EQ(rep.totals.delivered, 2);
  EXPECT_EQ(rep.totals.cancelled, 1);
  ASSERT_EQ(rep.minutes.size(), 5u);
  EXPECT_EQ(rep.minutes[0].at, from);
  EXPECT_EQ(rep.minutes[0].placed, 2);
  EXPECT_EQ(rep.click_to_door_samples, 2);
  EXPECT_DOUBLE_EQ(rep.click_to_door_mean, 20.0);
  EXPECT_DOUBLE_EQ(rep.click_to_door_p50, 10.0);
  EXPECT_DOUBLE_EQ(rep.click_to_door_p90, 30.0);
  // Only the first half hour: ord_1's delivery falls outside.
  auto early = a.Query("zone_a", from, from + 30 * 60000).value();
  EXPECT_EQ(early.totals.delivered, 1);
  EXPECT_EQ(early.click_to_door_samples, 1);
  EXPECT_FALSE(a.Query("zone_a", to, from).ok());
  EXPECT_FALSE(a.Query("zone_a", from, from + Analytics::kMaxRange + 1).ok());
}

// Tracking's geofence milestones share the orders topic with the order's own events: the built-in
// consumers ignore them (before, each one was dead-lettered by all three and the default
// dead-letter alarm fired in every demo run); a type nobody knows is still refused.
TEST(BuiltinFunctions, IgnoreTrackingMilestonesAndStillRefuseUnknownTypes) {
  Fixture f;
  Analytics analytics(*f.db, f.clock);
  OrderStatusCache status(*f.db, f.clock);
  Sender sender(*f.db, f.clock, QuietLog(), SenderSettings{});
  Notify notify(*f.db, f.clock, sender);
  auto milestone = [](const std::string& id, const std::string& type) {
    events::CloudEvent ev;
    ev.id = id;
    ev.source = "/hotpath/tracking";
    ev.type = type;
    ev.subject = "ord_1";
    ev.time = "2026-11-25T10:00:30Z";
    ev.dataschema = "https://hotpath.dev/schemas/rider-milestone/v1";
    ev.schema_version = 1;
    ev.data = {{"order_id", "ord_1"}, {"rider_id", "usr_r"}, {"distance_m", 20}};
    return ev;
  };
  for (Function* fn : std::initializer_list<Function*>{&analytics, &status, &notify}) {
    for (const char* type : {"rider.arrived_restaurant", "rider.arriving"}) {
      events::Record r;
      auto ev = milestone(std::string("m_") + type, type);
      auto out = fn->Handle(Invocation{r, ev, 1, {}});
      ASSERT_TRUE(out.ok()) << type << ": " << out.error().message;
      EXPECT_EQ(*out, Outcome::kIgnored) << type;
    }
    events::Record r;
    auto bogus = milestone("m_bogus", "rider.teleported");
    EXPECT_FALSE(fn->Handle(Invocation{r, bogus, 1, {}}).ok());
  }
}

// What a function sees of the trace while it handles an event.
class TraceRecorder final : public Function {
 public:
  Result<Outcome> Handle(const Invocation& inv) override {
    std::lock_guard lock(mu);
    const auto& ctx = CurrentRequestContext();
    seen[inv.event.id] = {ctx.trace_id, ctx.span_id, ctx.request_id};
    return Outcome::kApplied;
  }
  std::mutex mu;
  std::map<std::string, std::array<std::string, 3>> seen;
};

TEST(Runtime, AFunctionHandlesAnEventWithinTheEventsTrace) {
  Fixture f;
  auto rec = std::make_shared<TraceRecorder>();
  Runtime rt(*f.bus, *f.db, f.metrics, f.clock, QuietLog());
  ASSERT_TRUE(rt.Add(f.Spec("traced"), rec).ok());
  ASSERT_TRUE(rt.Start().ok());
  auto traced = events::ParseCloudEvent(OrderEvent("evt_t", "ord_1", "order.placed", 1)).value();
  traced.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", events::SerializeCloudEvent(traced)).ok());
  ASSERT_TRUE(f.bus->Publish("orders", "ord_1", OrderEvent("evt_u", "ord_1", "order.accepted", 2)).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(rec->mu);
    return rec->seen.size() == 2;
  }));
  rt.Stop();
  std::lock_guard lock(rec->mu);
  EXPECT_EQ(rec->seen["evt_t"][0], "4bf92f3577b34da6a3ce929d0e0e4736");  // the request's trace goes on
  EXPECT_EQ(rec->seen["evt_t"][1].size(), 16u);                          // in a span of the function's
  EXPECT_NE(rec->seen["evt_t"][1], "00f067aa0ba902b7");
  EXPECT_EQ(rec->seen["evt_t"][2], "evt_t");
  EXPECT_EQ(rec->seen["evt_u"][0], "");  // an event without a trace: none (not the previous one's)
}

TEST(Webhook, SignatureIsHmacSha256OverTimestampDotBody) {
  // Reference: Python's hmac.new(b"0123456789abcdef", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
  EXPECT_EQ(WebhookSignature("0123456789abcdef", 1700000000, R"({"a":1})"),
            "sha256=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23");
  EXPECT_NE(WebhookSignature("0123456789abcdef", 1700000001, R"({"a":1})"),
            WebhookSignature("0123456789abcdef", 1700000000, R"({"a":1})"));
}

TEST(Channels, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateChannel({"webhook", "https://example.test/hook", "0123456789abcdef"}).empty());
  EXPECT_TRUE(ValidateChannel({"email", "a@b.test", ""}).empty());
  EXPECT_TRUE(ValidateChannel({"push", "tok_123", ""}).empty());
  EXPECT_EQ(ValidateChannel({"webhook", "ftp://x", "0123456789abcdef"}).at(0).field, "target");
  EXPECT_EQ(ValidateChannel({"webhook", "https://x.test", "short"}).at(0).field, "secret");
  EXPECT_EQ(ValidateChannel({"email", "not-an-address", ""}).at(0).field, "target");
  EXPECT_EQ(ValidateChannel({"email", "a@b.test", "0123456789abcdef"}).at(0).field, "secret");
  EXPECT_EQ(ValidateChannel({"sms", "123", ""}).at(0).field, "kind");
}

}  // namespace
}  // namespace hotpath::functions
