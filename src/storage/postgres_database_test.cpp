// PostgreSQL backend against a live server: tests/integration/test_postgres_storage.py starts a
// throwaway PostgreSQL and sets HOTPATH_TEST_POSTGRES_URL (an admin URL); every test creates its
// own database. The binary fails, never skips, without the variable.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <thread>

#include "core/clock.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/plan_test_support.h"
#include "storage/postgres.h"

namespace hotpath::storage {
namespace {

std::string AdminUrl() {
  const char* url = std::getenv("HOTPATH_TEST_POSTGRES_URL");
  return url ? url : "";
}

// "postgresql://u@h:p/postgres" -> "postgresql://u@h:p/<db>"
std::string WithDatabase(const std::string& url, const std::string& db) {
  return url.substr(0, url.rfind('/') + 1) + db;
}

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(AdminUrl().empty()) << "HOTPATH_TEST_POSTGRES_URL is not set";
    auto admin = PgConnection::Open(AdminUrl());
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = std::move(admin).value();
    name_ = "t_" + NewId("db").substr(3, 12);
    for (auto& ch : name_) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ASSERT_TRUE(admin_->ExecScript("CREATE DATABASE " + name_).ok());
    url_ = WithDatabase(AdminUrl(), name_);
  }
  std::unique_ptr<Database> OpenDb(bool migrate = true) {
    auto db = Database::Open({.url = url_, .read_connections = 4, .max_batch = 64});
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    if (migrate) {
      EXPECT_TRUE((*db)->Migrate().ok());
    }
    return std::move(db).value();
  }
  std::unique_ptr<PgConnection> admin_;
  std::string name_;
  std::string url_;
};

Result<std::int64_t> Count(Database& db, const std::string& sql) {
  return db.Read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    std::int64_t n = -1;
    HP_TRY(c.Query(sql, {}, [&](const Row& r) { n = r.Int(0); }));
    return n;
  });
}

TEST_F(PostgresDatabaseTest, MigratesOnceAndKnowsItsVersion) {
  auto db = OpenDb();
  EXPECT_EQ(db->dialect(), Dialect::kPostgres);
  EXPECT_EQ(db->SchemaVersion(), AllMigrations().back().version);
  ASSERT_TRUE(db->Migrate().ok());
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM schema_migrations"),
            static_cast<std::int64_t>(AllMigrations().size()));
}

// The console counts the orders of the last two hours per zone every second: with a month of orders
// the planner reads orders_created, not every row of the table.
TEST_F(PostgresDatabaseTest, ThePerZoneCountsOfRecentOrdersReadAnIndexRange) {
  auto db = OpenDb();
  const std::int64_t now = 1'800'000'000'000;
  auto seeded = db->Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(testing::SeedMonthOfOrders(c, now, 20000));
    return Ok{};
  });
  ASSERT_TRUE(seeded.ok()) << seeded.error().message;
  auto plan = db->Read<std::string>([&](Connection& c) { return testing::PlacedPerZonePlan(c, now); });
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(plan->find("using orders_created on orders"), std::string::npos) << *plan;
  EXPECT_EQ(plan->find("Seq Scan on orders"), std::string::npos) << *plan;
}

// Each process start lists the orders changed within a cached value's lifetime: with a month of
// orders the planner reads orders_updated (the ids from the index alone), not every row.
TEST_F(PostgresDatabaseTest, TheOrdersChangedRecentlyAreReadFromAnIndexRange) {
  auto db = OpenDb();
  const std::int64_t now = 1'800'000'000'000;
  auto seeded = db->Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(testing::SeedMonthOfOrders(c, now, 20000));
    return Ok{};
  });
  ASSERT_TRUE(seeded.ok()) << seeded.error().message;
  auto plan = db->Read<std::string>([&](Connection& c) { return testing::ChangedSincePlan(c, now); });
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(plan->find("using orders_updated on orders"), std::string::npos) << *plan;
  EXPECT_EQ(plan->find("Seq Scan on orders"), std::string::npos) << *plan;
}

TEST_F(PostgresDatabaseTest, AFailingMigrationLeavesTheSchemaAsItWas) {
  auto db = OpenDb();
  int before = db->SchemaVersion();
  std::vector<Migration> list = AllMigrations();
  list.push_back({before + 1, "adds a table", "CREATE TABLE added_by_test (x BIGINT)"});
  list.push_back(
      {before + 2, "breaks", "ALTER TABLE orders ADD COLUMN extra BIGINT; SELECT no_such_function()"});
  auto st = db->Write<Ok>([&](Connection& c) { return ApplyMigrations(c, list); });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("migration"), std::string::npos) << st.error().message;
  EXPECT_EQ(db->SchemaVersion(), before);
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM pg_tables WHERE tablename = 'added_by_test'"), 0);
  EXPECT_EQ(*Count(*db,
                   "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND "
                   "column_name = 'extra'"),
            0);
}

TEST_F(PostgresDatabaseTest, AConstraintViolationRollsBackOnlyItsUnit) {
  auto db = OpenDb();
  auto zone = [&](const std::string& id) {
    return db->Write<Ok>([&](Connection& c) -> Result<Ok> {
      HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES (?,?,?,?)",
                    {id, std::string("z"), std::string("[]"), std::int64_t{1}}));
      return Ok{};
    });
  };
  ASSERT_TRUE(zone("z1").ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::atomic<int> conflict{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = zone(i % 2 == 0 ? "z1" : "zz" + std::to_string(i));
      if (r.ok()) ++ok;
      if (!r.ok() && r.error().code == ErrorCode::kConflict) ++conflict;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(conflict.load(), 4);
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM zones"), 5);
}

// Statements sent without waiting travel with the next one; an error among them is returned by
// the next statement, and one still pending when the unit ends fails the unit.
TEST_F(PostgresDatabaseTest, PipelinedStatementsReportTheirErrors) {
  auto db = OpenDb();
  auto insert = [](Connection& c, const std::string& id) {
    return c.ExecLater("INSERT INTO zones(id,name,polygon,created_at) VALUES (?,?,?,?)",
                       {id, std::string("z"), std::string("[]"), std::int64_t{1}});
  };
  auto r = db->Write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    HP_TRY(insert(c, "p1"));
    HP_TRY(insert(c, "p2"));
    std::int64_t n = -1;
    HP_TRY(c.Query("SELECT count(*) FROM zones WHERE id LIKE 'p%'", {}, [&](const Row& row) { n = row.Int(0); }));
    return n;
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 2);  // the query saw both inserts: same transaction, in order

  auto dup = db->Write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    HP_TRY(insert(c, "p3"));
    HP_TRY(insert(c, "p1"));  // duplicate key
    HP_TRY(insert(c, "p4"));  // aborted with the pipeline
    std::int64_t n = -1;
    HP_TRY(c.Query("SELECT count(*) FROM zones", {}, [&](const Row& row) { n = row.Int(0); }));
    return n;
  });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict) << dup.error().message;

  auto late = db->Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(insert(c, "p5"));
    HP_TRY(insert(c, "p2"));  // duplicate, still pending when the unit returns
    return Ok{};
  });
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict) << late.error().message;
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM zones WHERE id LIKE 'p%'"), 2);  // p3, p4, p5 rolled back
  // The writer connection is still in step: a later write and read work.
  auto again = db->Write<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(insert(c, "p6"));
    return Ok{};
  });
  EXPECT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM zones WHERE id LIKE 'p%'"), 3);
}

// A unit that wrote rows and then failed leaves nothing behind, and its batch neighbours commit with
// their after-commit hooks run once (the batch runs without savepoints first, then isolates units).
TEST_F(PostgresDatabaseTest, AFailingUnitInABatchLeavesNothingAndTheOthersCommit) {
  auto db = OpenDb();
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> hooks{0};
  // The first unit holds the writer until the others have queued behind it: one batch.
  std::thread first([&] {
    auto r = db->Write<Ok>([&](Connection& c) -> Result<Ok> {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
      HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES ('first','z','[]',1)"));
      c.AfterCommit([&] { ++hooks; });
      return Ok{};
    });
    EXPECT_TRUE(r.ok());
  });
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  int arrived = 0;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      {
        std::lock_guard lock(mu);
        ++arrived;
      }
      cv.notify_all();
      auto r = db->Write<Ok>([&, i](Connection& c) -> Result<Ok> {
        HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES (?,?,?,?)",
                      {"z" + std::to_string(i), std::string("z"), std::string("[]"), std::int64_t{1}}));
        c.AfterCommit([&] { ++hooks; });
        if (i % 3 == 0) return Error::Conflict("unit " + std::to_string(i) + " changed its mind");
        return Ok{};
      });
      if (r.ok()) ++ok;
      if (!r.ok() && r.error().code == ErrorCode::kConflict) ++failed;
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return arrived == 8; });
    release = true;
  }
  cv.notify_all();
  first.join();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(failed.load(), 3);  // i = 0, 3, 6
  EXPECT_EQ(hooks.load(), 6);
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM zones"), 6);
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM zones WHERE id IN ('z0','z3','z6')"), 0);
}

// Two Database objects are two api processes: their read-modify-write units on one row conflict,
// SERIALIZABLE refuses one of each conflicting pair, and the retry makes every increment count.
TEST_F(PostgresDatabaseTest, ConcurrentReadModifyWriteFromTwoProcessesLosesNoUpdate) {
  auto a = OpenDb();
  auto b = OpenDb(false);
  ASSERT_TRUE(a->Write<Ok>([](Connection& c) -> Result<Ok> {
                 HP_TRY(c.ExecScript("CREATE TABLE counter (id INT PRIMARY KEY, v BIGINT NOT NULL)"));
                 HP_TRY(c.Exec("INSERT INTO counter VALUES (1, 0)"));
                 return Ok{};
               }).ok());
  constexpr int kPerThread = 25;
  auto bump = [](Database& db) {
    for (int i = 0; i < kPerThread; ++i) {
      auto r = db.Write<Ok>([](Connection& c) -> Result<Ok> {
        std::int64_t v = 0;
        HP_TRY(c.Query("SELECT v FROM counter WHERE id = 1", {}, [&](const Row& r) { v = r.Int(0); }));
        HP_TRY(c.Exec("UPDATE counter SET v = ? WHERE id = 1", {v + 1}));
        return Ok{};
      });
      ASSERT_TRUE(r.ok()) << r.error().message;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] { bump(*a); });
    threads.emplace_back([&] { bump(*b); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*Count(*a, "SELECT v FROM counter WHERE id = 1"), 4 * kPerThread);
}

TEST_F(PostgresDatabaseTest, SurvivesItsConnectionsBeingKilled) {
  auto db = OpenDb();
  ASSERT_EQ(*Count(*db, "SELECT count(*) FROM zones"), 0);
  auto killed = admin_->Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
      {name_});
  ASSERT_TRUE(killed.ok());
  ASSERT_GE(*killed, 2);  // the writer and the reader
  auto w = db->Write<Ok>([](Connection& c) -> Result<Ok> {
    HP_TRY(c.Exec("INSERT INTO zones(id,name,polygon,created_at) VALUES ('z','z','[]',1)"));
    return Ok{};
  });
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(*Count(*db, "SELECT count(*) FROM zones"), 1);
}

TEST_F(PostgresDatabaseTest, OutboxSequenceFollowsCommitOrder) {
  auto db = OpenDb();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto r = db->Write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
          std::int64_t seq = 0;
          HP_TRY(c.Query(
              "INSERT INTO outbox(id,topic,key,type,payload,created_at) VALUES (?,?,?,?,?,?) RETURNING seq",
              {NewId("ev"), std::string("orders"), std::to_string(t), std::string("x"), std::string("{}"),
               std::int64_t{i}},
              [&](const Row& r) { seq = r.Int(0); }));
          return seq;
        });
        ASSERT_TRUE(r.ok());
        ASSERT_GT(*r, 0);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*Count(*db, "SELECT count(DISTINCT seq) FROM outbox"), 80);
}

}  // namespace
}  // namespace hotpath::storage
