#include "storage/database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "core/clock.h"
#include "storage/migrations.h"
#include "storage/plan_test_support.h"
#include "storage/postgres.h"
#include "storage/write_retry.h"

namespace hotpath::storage {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / NewId("hp_db");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Database> OpenDb() {
    auto db = Database::Open({.path = (dir_ / "t.db").string(), .read_connections = 2, .max_batch = 64});
    EXPECT_TRUE(db.ok());
    EXPECT_TRUE((*db)->Migrate().ok());
    return std::move(db).value();
  }
  std::filesystem::path dir_;
};

Result<std::int64_t> CountZones(Database& db) {
  return db.Read<std::int64_t>([](Connection& c) -> Result<std::int64_t> {
    std::int64_t n = 0;
    HP_TRY(c.Query("SELECT COUNT(*) FROM zones", {}, [&](const Row& r) { n = r.Int(0); }));
    return n;
  });
}

TEST_F(DatabaseTest, MigrationsAreIdempotentAndVersioned) {
  auto db = OpenDb();
  EXPECT_EQ(db->SchemaVersion(), AllMigrations().back().version);
  EXPECT_TRUE(db->Migrate().ok());
  EXPECT_EQ(db->SchemaVersion(), AllMigrations().back().version);
}

// The console counts the orders of the last two hours per zone every second: an index range, not a
// scan of every order ever placed.
TEST_F(DatabaseTest, ThePerZoneCountsOfRecentOrdersReadAnIndexRange) {
  auto db = OpenDb();
  const std::int64_t now = 1'800'000'000'000;
  auto plan = db->Write<std::string>([&](Connection& c) -> Result<std::string> {
    HP_TRY(testing::SeedMonthOfOrders(c, now, 20000));
    return testing::PlacedPerZonePlan(c, now);
  });
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(plan->find("USING COVERING INDEX orders_created (created_at>?)"), std::string::npos) << *plan;
  EXPECT_EQ(plan->find("SCAN orders"), std::string::npos) << *plan;
}

// Each process start lists the orders changed within a cached value's lifetime: an index range on
// updated_at, not a scan of every order ever placed.
TEST_F(DatabaseTest, TheOrdersChangedRecentlyAreReadFromAnIndexRange) {
  auto db = OpenDb();
  const std::int64_t now = 1'800'000'000'000;
  auto plan = db->Write<std::string>([&](Connection& c) -> Result<std::string> {
    HP_TRY(testing::SeedMonthOfOrders(c, now, 20000));
    return testing::ChangedSincePlan(c, now);
  });
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(plan->find("USING COVERING INDEX orders_updated (updated_at>?)"), std::string::npos) << *plan;
  EXPECT_EQ(plan->find("SCAN orders"), std::string::npos) << *plan;
}

TEST_F(DatabaseTest, ConcurrentWritersAreGroupedAndFailingUnitsRollBackAlone) {
  auto db = OpenDb();
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        bool fail = (i % 10 == 0);
        auto r = db->Write<Ok>([&](Connection& c) -> Result<Ok> {
          HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES (?,?,?,0)",
                        {NewId("z"), std::string("z") + std::to_string(t), std::string("[]")}));
          if (fail) return Error::Conflict("deliberate");
          return Ok{};
        });
        if (!r.ok()) {
          EXPECT_EQ(r.error().code, ErrorCode::kConflict);
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), kThreads * kPerThread / 10);
  auto n = CountZones(*db);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, kThreads * kPerThread - failures.load());
}

TEST_F(DatabaseTest, CommittedWritesSurviveReopen) {
  {
    auto db = OpenDb();
    ASSERT_TRUE(db->Write<Ok>([](Connection& c) -> Result<Ok> {
                    HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES ('a','A','[]',0)"));
                    return Ok{};
                  }).ok());
  }
  auto db = OpenDb();
  EXPECT_EQ(*CountZones(*db), 1);
}

TEST_F(DatabaseTest, ConstraintViolationIsAConflict) {
  auto db = OpenDb();
  auto insert = [&] {
    return db->Write<Ok>([](Connection& c) -> Result<Ok> {
      HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES ('dup','A','[]',0)"));
      return Ok{};
    });
  };
  EXPECT_TRUE(insert().ok());
  auto second = insert();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace hotpath::storage

namespace hotpath::storage {
namespace {
TEST_F(DatabaseTest, AfterCommitHooksRunOnlyForKeptUnitsInCommitOrder) {
  auto db = OpenDb();
  std::vector<int> seen;
  for (int i = 0; i < 4; ++i) {
    auto r = db->Write<Ok>([&, i](Connection& c) -> Result<Ok> {
      c.AfterCommit([&seen, i] { seen.push_back(i); });
      if (i == 2) return Error::Conflict("rolled back");
      return Ok{};
    });
    EXPECT_EQ(r.ok(), i != 2);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 3}));
}
}  // namespace
}  // namespace hotpath::storage

namespace hotpath::storage {
namespace {

TEST(PgPlaceholders, QuestionMarksOutsideQuotesBecomeNumbered) {
  EXPECT_EQ(PgConnection::RewritePlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(PgConnection::RewritePlaceholders("SELECT '?', \"a?\" FROM t WHERE x = ?"),
            "SELECT '?', \"a?\" FROM t WHERE x = $1");
  EXPECT_EQ(PgConnection::RewritePlaceholders("SELECT 1"), "SELECT 1");
}

// A batch that keeps losing to another process's commits is retried for the whole budget, not
// given up after a fixed count of quick attempts; pauses are jittered and bounded.
TEST(WriteRetryTest, RetriesForTheBudgetNotAFixedCount) {
  using namespace std::chrono_literals;
  const auto t0 = WriteRetry::Clock::time_point{};
  WriteRetry retry({.min_attempts = 8, .budget = 5000ms, .first_pause = 2ms, .max_pause = 200ms}, 42, t0);
  auto now = t0;
  std::vector<std::int64_t> pauses;
  for (int i = 0; i < 30; ++i) {
    auto pause = retry.AfterFailure(now);
    ASSERT_TRUE(pause.has_value()) << "gave up after " << i + 1 << " attempts at " << (now - t0) / 1ms << " ms";
    EXPECT_GE(pause->count(), 1);
    EXPECT_LE(pause->count(), 200);
    pauses.push_back(pause->count());
    now += *pause + 5ms;  // the next attempt fails again after 5 ms of work
  }
  EXPECT_LT(now - t0, 5000ms);
  EXPECT_LE(pauses[0], 2);
  EXPECT_EQ(std::set<std::int64_t>(pauses.begin(), pauses.end()).size() > 10, true);  // jittered
  // Past the budget (and past the minimum count) it gives up.
  EXPECT_FALSE(retry.AfterFailure(t0 + 5001ms).has_value());
}

TEST(WriteRetryTest, MakesTheMinimumAttemptsEvenWhenTheBudgetIsSpent) {
  using namespace std::chrono_literals;
  const auto t0 = WriteRetry::Clock::time_point{};
  WriteRetry retry({.min_attempts = 3, .budget = 10ms}, 7, t0);
  EXPECT_TRUE(retry.AfterFailure(t0 + 1s).has_value());
  EXPECT_TRUE(retry.AfterFailure(t0 + 2s).has_value());
  EXPECT_FALSE(retry.AfterFailure(t0 + 3s).has_value());
  EXPECT_EQ(retry.attempts(), 3);
}

// Two writers that failed together do not pause in lockstep.
TEST(WriteRetryTest, WritersWithDifferentSeedsPauseDifferently) {
  using namespace std::chrono_literals;
  const auto t0 = WriteRetry::Clock::time_point{};
  WriteRetry a({}, 1, t0);
  WriteRetry b({}, 2, t0);
  int differ = 0;
  for (int i = 0; i < 8; ++i) differ += *a.AfterFailure(t0) != *b.AfterFailure(t0) ? 1 : 0;
  EXPECT_GE(differ, 4);
}

}  // namespace
}  // namespace hotpath::storage
