// The pure parts of the cache context: token bucket arithmetic, the in-process cache, versioned
// cache-aside (hits, invalidation, the fill race, failures and pending bumps), the rate limiter's
// fallback and the Redis URL. RedisCache itself is tested against a live server (redis_cache_test).

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "cache/flaky_cache.h"
#include "cache/memory_cache.h"
#include "cache/rate_limiter.h"
#include "cache/redis_url.h"
#include "cache/token_bucket.h"
#include "cache/versioned_cache.h"

namespace hotpath::cache {
namespace {

constexpr Millis kStart = 1'700'000'000'000;

using Flaky = FlakyCache;

TEST(TokenBucket, StartsFullRefillsAtTheRateAndNeverBeyondTheBurst) {
  Bucket b;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(TakeOne(b, 10, 3, kStart).allowed) << i;
  auto refused = TakeOne(b, 10, 3, kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 100);  // one token per 100 ms at 10/s
  EXPECT_FALSE(TakeOne(b, 10, 3, kStart + 50).allowed);
  EXPECT_TRUE(TakeOne(b, 10, 3, kStart + 100).allowed);
  // An hour idle refills to the burst, not beyond.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(TakeOne(b, 10, 3, kStart + 3'600'000).allowed);
  EXPECT_FALSE(TakeOne(b, 10, 3, kStart + 3'600'000).allowed);
}

TEST(TokenBucket, RetryAfterCountsThePartialToken) {
  Bucket b;
  EXPECT_TRUE(TakeOne(b, 2, 1, kStart).allowed);
  auto d = TakeOne(b, 2, 1, kStart + 200);  // 0.4 tokens back at 2/s
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 300);
}

TEST(MemoryCache, ValuesExpireAndAddIsALock) {
  ManualClock clock(kStart);
  MemoryCache c(clock);
  ASSERT_TRUE(c.Set("a", "1", 1000).ok());
  ASSERT_TRUE(c.Set("b", "2", 0).ok());
  auto got = c.Get({"a", "b", "c"}).value();
  EXPECT_EQ(got[0], "1");
  EXPECT_EQ(got[1], "2");
  EXPECT_FALSE(got[2].has_value());
  EXPECT_TRUE(c.Add("lock", "x", 500).value());
  EXPECT_FALSE(c.Add("lock", "y", 500).value());
  clock.Advance(std::chrono::milliseconds(1000));
  got = c.Get({"a", "b"}).value();
  EXPECT_FALSE(got[0].has_value());
  EXPECT_EQ(got[1], "2");
  EXPECT_TRUE(c.Add("lock", "z", 500).value());  // the old lock expired
  ASSERT_TRUE(c.Delete("b").ok());
  EXPECT_FALSE(c.Get({"b"}).value()[0].has_value());
}

TEST(MemoryCache, ExpiredEntriesAndIdleBucketsAreSwept) {
  ManualClock clock(kStart);
  MemoryCache c(clock);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(c.Set("k" + std::to_string(i), "v", 10).ok());
    ASSERT_TRUE(c.TakeToken("b" + std::to_string(i), 100, 1).value().allowed);
    clock.Advance(std::chrono::milliseconds(1));
  }
  EXPECT_LT(c.SizeForTest(), 4000u);
}

TEST(VersionedCache, AHitNeedsNoLoadAndAnEditIsNeverFollowedByTheOldValue) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  std::vector<std::string> results;
  VersionedCache vc(mem, {}, {[&](std::string_view r) { results.emplace_back(r); }});
  int loads = 0;
  std::string truth = "menu v1";
  auto load = [&]() -> Result<std::string> {
    ++loads;
    return truth;
  };
  EXPECT_EQ(vc.Get("menu:r1", "", load).value(), "menu v1");
  EXPECT_EQ(vc.Get("menu:r1", "", load).value(), "menu v1");
  EXPECT_EQ(loads, 1);
  truth = "menu v2";  // committed, then:
  vc.Invalidate("menu:r1");
  EXPECT_EQ(vc.Get("menu:r1", "", load).value(), "menu v2");
  EXPECT_EQ(loads, 2);
  EXPECT_EQ(results, (std::vector<std::string>{"miss", "hit", "miss"}));
  // Another entity is untouched by the edit.
  EXPECT_EQ(vc.Get("menu:r2", "", load).value(), "menu v2");
  EXPECT_EQ(vc.Get("menu:r2", "", load).value(), "menu v2");
  EXPECT_EQ(loads, 3);
}

TEST(VersionedCache, AValueLoadedBeforeAnEditIsNotServedAfterIt) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedCache vc(mem, {});
  std::string truth = "old";
  // The reader loads the old value; the edit commits and bumps the version before the reader stores it.
  auto racing = vc.Get("order:o1", "", [&]() -> Result<std::string> {
    std::string read = truth;
    truth = "new";
    vc.Invalidate("order:o1");
    return read;
  });
  EXPECT_EQ(racing.value(), "old");  // served once, to the reader that started before the edit
  EXPECT_EQ(vc.Get("order:o1", "", [&]() -> Result<std::string> { return truth; }).value(), "new");
}

TEST(VersionedCache, AProcessStartKeepsWhatOthersCached) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedCache before(mem, {});
  int loads = 0;
  auto load = [&]() -> Result<std::string> { return std::to_string(++loads); };
  EXPECT_EQ(before.Get("menu:r1", "", load).value(), "1");
  VersionedCache after(mem, {});  // another process starts (scaling out)
  EXPECT_EQ(after.Get("menu:r1", "", load).value(), "1");
  EXPECT_EQ(loads, 1);
}

TEST(VersionedCache, NothingIsStoredWhileAChangeIsBeingCommitted) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  std::vector<std::string> results;
  VersionedCache vc(mem, {}, {[&](std::string_view r) { results.emplace_back(r); }});
  std::string truth = "old";
  auto load = [&]() -> Result<std::string> { return truth; };
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "old");
  auto change = vc.BeginChange("menu:r");
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "old");  // read before the commit: served, not stored
  truth = "new";                                         // committed
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "new");
  vc.EndChange("menu:r", change);
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "new");
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "new");
  EXPECT_EQ(results, (std::vector<std::string>{"miss", "miss", "miss", "miss", "hit"}));
}

TEST(VersionedCache, AWriterKilledAfterItsCommitLeavesNothingStaleOnceItsMarkExpires) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedOptions opts;
  opts.change_ttl = 1000;
  VersionedCache reader(mem, opts);
  std::string truth = "old";
  auto load = [&]() -> Result<std::string> { return truth; };
  EXPECT_EQ(reader.Get("menu:r", "", load).value(), "old");
  {
    VersionedCache writer(mem, opts);
    (void)writer.BeginChange("menu:r");
    // A reader loads the old menu while the writer commits...
    auto racing = reader.Get("menu:r", "", [&]() -> Result<std::string> {
      std::string read = truth;
      truth = "new";  // ...the commit lands, and the writer is killed before its end
      return read;
    });
    EXPECT_EQ(racing.value(), "old");
  }
  EXPECT_EQ(reader.Get("menu:r", "", load).value(), "new");
  clock.Advance(std::chrono::milliseconds(1000));  // the mark expired with its version
  EXPECT_EQ(reader.Get("menu:r", "", load).value(), "new");
  EXPECT_EQ(reader.Get("menu:r", "", load).value(), "new");
}

TEST(VersionedCache, OneWritersEndKeepsTheEntityMarkedWhileAnotherWriterCommits) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedCache vc(mem, {});
  std::string truth = "v0";
  int loads = 0;
  auto load = [&]() -> Result<std::string> {
    ++loads;
    return truth;
  };
  auto first = vc.BeginChange("menu:r");
  auto second = vc.BeginChange("menu:r");
  truth = "v1";
  vc.EndChange("menu:r", first);
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v1");
  truth = "v2";  // the second writer's commit; were v1 stored, a crash now would leave it
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v2");
  EXPECT_EQ(loads, 2);
  vc.EndChange("menu:r", second);
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v2");
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v2");
  EXPECT_EQ(loads, 3);
}

TEST(VersionedCache, ANearCopyIsServedOnlyWhileARoundTripAfterTheRequestConfirmsItsVersion) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedCache a(mem, {}), b(mem, {});  // two processes
  std::string truth = "menu 1";
  auto load = [&]() -> Result<std::string> { return truth; };
  EXPECT_EQ(b.Peek("menu:r", ""), nullptr);
  auto first = b.GetNear("menu:r", "", load).value();
  EXPECT_EQ(first->value, "menu 1");
  EXPECT_FALSE(first->version.empty());
  auto near = b.Peek("menu:r", "");
  ASSERT_NE(near, nullptr);
  auto check = [](VersionedCache& vc, VersionedCache::NearPtr p) {
    std::promise<bool> fresh;
    vc.Revalidate(std::move(p), [&](bool f) { fresh.set_value(f); });
    return fresh.get_future().get();
  };
  EXPECT_TRUE(check(b, near));
  auto change = a.BeginChange("menu:r");
  EXPECT_FALSE(check(b, near));  // being changed
  truth = "menu 2";
  a.EndChange("menu:r", change);
  EXPECT_FALSE(check(b, near));  // changed through the other process: never served again
  auto second = b.GetNear("menu:r", "", load).value();
  EXPECT_EQ(second->value, "menu 2");
  EXPECT_NE(second->version, first->version);
  EXPECT_TRUE(check(b, b.Peek("menu:r", "")));
}

TEST(VersionedCache, LoadErrorsAreReturnedAndNotCached) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedCache vc(mem, {});
  auto r = vc.Get("menu:nope", "", []() -> Result<std::string> { return Error::NotFound("no restaurant"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(vc.Get("menu:nope", "", []() -> Result<std::string> { return std::string("now it exists"); }).value(),
            "now it exists");
}

TEST(VersionedCache, ValuesExpireAfterTheTtl) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  VersionedOptions opts;
  opts.ttl = 1000;
  VersionedCache vc(mem, opts);
  int loads = 0;
  auto load = [&]() -> Result<std::string> { return std::to_string(++loads); };
  EXPECT_EQ(vc.Get("restaurants", "q", load).value(), "1");
  clock.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(vc.Get("restaurants", "q", load).value(), "1");
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(vc.Get("restaurants", "q", load).value(), "2");
}

TEST(VersionedCache, ACacheThatFailsIsBypassedAndABumpMissedMeanwhileIsAppliedFirst) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  Flaky flaky(mem);
  std::vector<std::string> results;
  VersionedCache vc(flaky, {}, {[&](std::string_view r) { results.emplace_back(r); }});
  std::string truth = "v1";
  auto load = [&]() -> Result<std::string> { return truth; };
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v1");  // cached under the initial version
  flaky.down = true;
  truth = "v2";
  vc.Invalidate("menu:r");  // the bump fails: remembered
  EXPECT_EQ(vc.PendingForTest(), 1u);
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v2");  // served by the loader
  flaky.down = false;  // back, still holding v1 under the old version
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v2");
  EXPECT_EQ(vc.PendingForTest(), 0u);
  EXPECT_EQ(vc.Get("menu:r", "", load).value(), "v2");
  EXPECT_EQ(results, (std::vector<std::string>{"miss", "bypass", "miss", "hit"}));
}

TEST(VersionedCache, OnlyOneConcurrentCallerLoadsAMissingValue) {
  SystemClock clock;
  MemoryCache mem(clock);
  VersionedOptions opts;
  opts.lock_wait = 5000;  // generous: the loser must get the winner's value, not load itself
  VersionedCache vc(mem, opts);
  std::atomic<int> loads{0};
  std::atomic<bool> release{false};
  auto slow = [&]() -> Result<std::string> {
    ++loads;
    while (!release) std::this_thread::yield();
    return std::string("menu");
  };
  std::thread first([&] { EXPECT_EQ(vc.Get("menu:hot", "", slow).value(), "menu"); });
  while (loads.load() == 0) std::this_thread::yield();  // the first caller holds the lock now
  std::vector<std::thread> others;
  std::atomic<int> done{0};
  for (int i = 0; i < 4; ++i) {
    others.emplace_back([&] {
      EXPECT_EQ(vc.Get("menu:hot", "", slow).value(), "menu");
      ++done;
    });
  }
  release = true;
  first.join();
  for (auto& t : others) t.join();
  EXPECT_EQ(done.load(), 4);
  EXPECT_EQ(loads.load(), 1);
}

TEST(RateLimiter, RefusesPastTheBurstPerUserAndPerAddress) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  RateLimiter rl(&mem, clock, RateLimits{5, 5, 2, 3});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rl.Check("u1", "").allowed) << i;
  auto d = rl.Check("u1", "");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 200);
  EXPECT_TRUE(rl.Check("u2", "").allowed);  // buckets are per user
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.Check("", "10.0.0.1").allowed) << i;
  EXPECT_FALSE(rl.Check("", "10.0.0.1").allowed);
  EXPECT_FALSE(rl.Check("u3", "10.0.0.1").allowed);  // a fresh user behind a spent address
  EXPECT_TRUE(rl.Check("u3", "10.0.0.2").allowed);
}

TEST(RateLimiter, ZeroIsOffAndAFailingSharedCacheFallsBackToLocalBuckets) {
  ManualClock clock(kStart);
  MemoryCache mem(clock);
  RateLimiter off(&mem, clock, RateLimits{});
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(off.Check("u", "1.2.3.4").allowed);
  Flaky flaky(mem);
  flaky.down = true;
  RateLimiter rl(&flaky, clock, RateLimits{1, 2, 0, 0});
  EXPECT_TRUE(rl.Check("u", "").allowed);
  EXPECT_TRUE(rl.Check("u", "").allowed);
  EXPECT_FALSE(rl.Check("u", "").allowed);  // still limited, by this process
  EXPECT_GT(flaky.calls.load(), 0);
  EXPECT_EQ(EffectiveBurst(1000, 0), 2000);
  EXPECT_EQ(EffectiveBurst(0.2, 0), 1);
}

TEST(RedisUrl, ParsesHostPortDatabaseAndCredentials) {
  auto ep = ParseRedisUrl("redis://127.0.0.1:6380/2").value();
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, 6380);
  EXPECT_EQ(ep.db, 2);
  EXPECT_TRUE(ep.password.empty());
  ep = ParseRedisUrl("redis://cache.internal").value();
  EXPECT_EQ(ep.port, 6379);
  EXPECT_EQ(ep.db, 0);
  ep = ParseRedisUrl("redis://app:s3cret@cache:6379/1").value();
  EXPECT_EQ(ep.user, "app");
  EXPECT_EQ(ep.password, "s3cret");
  EXPECT_EQ(ep.Describe(), "redis://app:****@cache:6379/1");
  EXPECT_EQ(ParseRedisUrl("redis://:pw@h/").value().password, "pw");
  EXPECT_FALSE(ep.tls);
  ep = ParseRedisUrl("rediss://:tok@master.cache.amazonaws.com:6379/0").value();
  EXPECT_TRUE(ep.tls);
  EXPECT_TRUE(ep.ca_file.empty());  // the system's CAs
  EXPECT_EQ(ep.Describe(), "rediss://:****@master.cache.amazonaws.com:6379/0");
  ep = ParseRedisUrl("rediss://127.0.0.1:6390/2?ca_file=/tmp/ca.pem").value();
  EXPECT_EQ(ep.ca_file, "/tmp/ca.pem");
  EXPECT_EQ(ep.db, 2);
  for (const char* bad : {"http://h", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/db",
                          "redis://h?x=1", "redis://pw@h", "redis://h?ca_file=/x", "rediss://h?verify=no"}) {
    auto r = ParseRedisUrl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace hotpath::cache
