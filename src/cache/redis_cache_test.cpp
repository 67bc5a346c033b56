// RedisCache, the token bucket script, versioned cache-aside and pub/sub against a live redis-server
// (HOTPATH_TEST_REDIS_URL, set by tests/integration/test_redis_cache.py; fails without it).

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>

#include "cache/rate_limiter.h"
#include "cache/redis_cache.h"
#include "cache/redis_pubsub.h"
#include "cache/versioned_cache.h"

namespace hotpath::cache {
namespace {

RedisOptions Options() {
  const char* url = std::getenv("HOTPATH_TEST_REDIS_URL");
  if (!url) throw std::runtime_error("HOTPATH_TEST_REDIS_URL is not set (run through test_redis_cache.py)");
  RedisOptions o;
  o.endpoint = ParseRedisUrl(url).value();
  return o;
}

std::string Unique(const std::string& prefix) { return prefix + NewVersion(); }

TEST(RedisCache, GetSetAddDeleteAndExpiry) {
  Logger log(LogLevel::kError);
  RedisCache c(Options(), log);
  const auto a = Unique("t:a:"), b = Unique("t:b:"), lock = Unique("t:l:");
  ASSERT_TRUE(c.Set(a, std::string("x\0y", 3), 0).ok());
  ASSERT_TRUE(c.Set(b, "short", 50).ok());
  auto got = c.Get({a, b, Unique("t:none:")}).value();
  EXPECT_EQ(got[0], std::string("x\0y", 3));  // binary-safe
  EXPECT_EQ(got[1], "short");
  EXPECT_FALSE(got[2].has_value());
  EXPECT_TRUE(c.Add(lock, "1", 10000).value());
  EXPECT_FALSE(c.Add(lock, "2", 10000).value());
  ASSERT_TRUE(c.Delete(lock).ok());
  EXPECT_TRUE(c.Add(lock, "3", 10000).value());
  // PX expiry is Redis's: poll (bounded) until the 50 ms value is gone.
  for (int i = 0; i < 200 && c.Get({b}).value()[0].has_value(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(c.Get({b}).value()[0].has_value());
  EXPECT_TRUE(c.Up());
}

TEST(RedisCache, TheTokenBucketIsSharedAndSurvivesAScriptFlush) {
  Logger log(LogLevel::kError);
  RedisCache one(Options(), log), two(Options(), log);
  const auto key = Unique("t:bucket:");
  // A slow refill (1 per 100 s) so that the test's own duration adds no token.
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += (i % 2 ? one : two).TakeToken(key, 0.01, 6).value().allowed ? 1 : 0;
  EXPECT_EQ(allowed, 6);
  auto refused = one.TakeToken(key, 0.01, 6).value();
  EXPECT_FALSE(refused.allowed);
  EXPECT_GT(refused.retry_after_ms, 90000);
  ASSERT_TRUE(one.Run({"SCRIPT", "FLUSH"}).ok());  // as after a restart: NOSCRIPT, loaded again
  EXPECT_FALSE(one.TakeToken(key, 0.01, 6).value().allowed);
  EXPECT_TRUE(one.TakeToken(Unique("t:bucket:"), 0.01, 6).value().allowed);
}

TEST(RedisCache, AnUnreachableServerFailsFastAndIsCounted) {
  Logger log(LogLevel::kError);
  RedisOptions o = Options();
  o.endpoint.port = 1;  // nothing listens there
  o.retry = std::chrono::milliseconds(60000);
  int errors = 0;
  std::vector<bool> states;
  RedisCache c(o, log, {[&] { ++errors; }, [&](bool up) { states.push_back(up); }});
  auto r = c.Get({"k"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(c.Set("k", "v", 0).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));  // the circuit is open: no connects
  EXPECT_EQ(errors, 101);
  EXPECT_EQ(states, std::vector<bool>{false});
  EXPECT_FALSE(c.Up());
}

TEST(RedisCache, VersionedCacheAcrossTwoClients) {
  Logger log(LogLevel::kError);
  RedisCache one(Options(), log), two(Options(), log);
  VersionedOptions opts;
  opts.prefix = Unique("t:vc:") + ":";
  VersionedCache a(one, opts), b(two, opts);
  std::string truth = "price 10";
  int loads = 0;
  auto load = [&]() -> Result<std::string> {
    ++loads;
    return truth;
  };
  EXPECT_EQ(a.Get("menu:r", "", load).value(), "price 10");
  EXPECT_EQ(b.Get("menu:r", "", load).value(), "price 10");
  EXPECT_EQ(loads, 1);  // b read a's fill
  truth = "price 12";
  a.Invalidate("menu:r");  // an edit through the other process
  EXPECT_EQ(b.Get("menu:r", "", load).value(), "price 12");
  EXPECT_EQ(a.Get("menu:r", "", load).value(), "price 12");
  EXPECT_EQ(loads, 2);
}

TEST(RedisCache, ChangeMarksHoldTheVersionUntilTheLastWriterEndsOrExpires) {
  Logger log(LogLevel::kError);
  RedisCache c(Options(), log);
  const auto v = Unique("t:cv:"), w = Unique("t:cw:");
  auto version = [&] { return c.Get({v}).value()[0]; };
  ASSERT_TRUE(c.BeginChange(v, w, "one", "a1", 60000).ok());
  ASSERT_TRUE(c.BeginChange(v, w, "two", "a2", 60000).ok());
  EXPECT_EQ(version(), "wa2");
  ASSERT_TRUE(c.EndChange(v, w, "one", "a3").ok());
  EXPECT_EQ(version(), "wa3");  // "two" is still committing
  ASSERT_TRUE(c.EndChange(v, w, "two", "a4").ok());
  EXPECT_EQ(version(), "a4");
  EXPECT_FALSE(c.Get({w}).value()[0].has_value());
  // A writer that never ends: its mark, and the version with it, expire.
  ASSERT_TRUE(c.BeginChange(v, w, "killed", "a5", 50).ok());
  EXPECT_EQ(version(), "wa5");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (version().has_value() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waiting out Redis's expiry, bounded
  EXPECT_FALSE(version().has_value());
  ASSERT_TRUE(c.EndChange(v, w, "unknown", "a6").ok());  // a plain bump
  EXPECT_EQ(version(), "a6");
}

TEST(RedisPubSub, MessagesReachEverySubscriber) {
  Logger log(LogLevel::kError);
  RedisCache publisher(Options(), log);
  const auto channel = Unique("t:ch:");
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got_a, got_b;
  int connected = 0;
  auto sink = [&](std::vector<std::string>& into) {
    return [&mu, &cv, &into](std::string_view m) {
      std::lock_guard lock(mu);
      into.emplace_back(m);
      cv.notify_all();
    };
  };
  RedisPubSub a(Options(), publisher, channel, log, sink(got_a), [&] {
    std::lock_guard lock(mu);
    ++connected;
  });
  RedisPubSub b(Options(), publisher, channel, log, sink(got_b), {});
  a.Start(std::chrono::seconds(5));
  b.Start(std::chrono::seconds(5));
  ASSERT_TRUE(a.Subscribed());
  ASSERT_TRUE(b.Subscribed());
  a.Publish("1");
  b.Publish("2");
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got_a.size() == 2 && got_b.size() == 2; }));
  std::sort(got_a.begin(), got_a.end());
  EXPECT_EQ(got_a, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(connected, 1);
  lock.unlock();
  a.Stop();  // returns although its subscriber thread was blocked reading
  b.Stop();
}

}  // namespace
}  // namespace hotpath::cache

namespace hotpath::cache {
namespace {

TEST(RedisCache, TlsRefusesAServerItDoesNotTrustOrThatSpeaksNoTls) {
  RedisOptions o = Options();
  std::string error;
  if (o.endpoint.tls) {
    o.endpoint.ca_file = "/etc/ssl/certs/ca-certificates.crt";  // the system's CAs: not the test CA
    EXPECT_EQ(RedisConn::Open(o.endpoint, o.connect_timeout, o.op_timeout, &error), nullptr);
    EXPECT_NE(error.find("not trusted"), std::string::npos) << error;
  } else {
    o.endpoint.tls = true;  // a TLS client against the plain port
    EXPECT_EQ(RedisConn::Open(o.endpoint, o.connect_timeout, o.op_timeout, &error), nullptr);
    EXPECT_NE(error.find("TLS"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace hotpath::cache
