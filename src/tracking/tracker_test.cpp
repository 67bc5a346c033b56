// Tracker against a real SQLite file and the embedded bus: ingest rules per rider, the live index,
// fleet status changes, and the flush (downsampled trail, latest positions, riders.locations).
#include "tracking/tracker.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "events/bus_factory.h"

namespace hotpath::tracking {
namespace {
using fleet::RiderStatus;
constexpr Millis kStart = 1'790'000'000'000;

class TrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / NewId("hp_tracking");
    std::filesystem::create_directories(dir_);
    auto db = storage::Database::Open({.path = (dir_ / "t.db").string(), .read_connections = 2, .max_batch = 64});
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Migrate().ok());
    for (const char* id : {"r1", "r2"}) {
      ASSERT_TRUE(db_->Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
                       HP_TRY(c.Exec("INSERT INTO users(id,email,name,role,password_hash,created_at) "
                                     "VALUES (?,?,?,'rider','x',0)",
                                     {std::string(id), std::string(id) + "@t.dev", std::string(id)}));
                       HP_TRY(c.Exec("INSERT INTO riders(user_id,status,lat,lon,updated_at) VALUES (?,'available',40.7,-74.0,?)",
                                     {std::string(id), kStart}));
                       return Ok{};
                     })
                      .ok());
    }
    tracker_ = std::make_unique<Tracker>(*db_, clock_, log_, [](geo::Point p) -> std::optional<std::string> {
      return p.lat > 40.701 ? std::optional<std::string>("north") : std::nullopt;
    });
  }
  void TearDown() override {
    tracker_.reset();
    bus_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  static Fix At(double lat, double lon, Millis at) {
    Fix f;
    f.position = {lat, lon};
    f.at = at;
    return f;
  }
  fleet::Rider Status(const std::string& id, RiderStatus s) { return fleet::Rider{id, s, std::nullopt, "", clock_.NowMillis()}; }

  std::filesystem::path dir_;
  ManualClock clock_{kStart};
  Logger log_{LogLevel::kError};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<events::EventBus> bus_;
  std::unique_ptr<Tracker> tracker_;
};

TEST_F(TrackerTest, OnlyOnlineRidersMayIngestAndFixesMoveThemInTheIndex) {
  auto offline = tracker_->Ingest("r1", {At(40.70, -74.0, kStart)});
  ASSERT_FALSE(offline.ok());
  EXPECT_EQ(offline.error().code, ErrorCode::kConflict);

  ASSERT_TRUE(tracker_->Load().ok());  // both riders are available at 40.7,-74.0 in the database
  EXPECT_EQ(tracker_->Nearest({40.7, -74.0}, 100, 10, Availability::kAvailable).size(), 2u);

  clock_.Advance(std::chrono::seconds(5));
  auto r = tracker_->Ingest("r1", {At(40.7002, -74.0, kStart + 4000), At(40.7004, -74.0, kStart + 5000)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 2u);
  auto near = tracker_->Nearest({40.7004, -74.0}, 1000, 1, Availability::kAvailable);
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].rider.rider_id, "r1");
  EXPECT_LT(near[0].distance_m, 1.0);

  // An older fix after that is refused and changes nothing.
  auto old = tracker_->Ingest("r1", {At(40.8, -74.0, kStart + 4500)});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NEAR(tracker_->Position("r1")->position.lat, 40.7004, 1e-9);

  // Busy riders leave the available set; offline riders leave the index and may not ingest.
  tracker_->OnRiderChanged(Status("r1", RiderStatus::kBusy));
  EXPECT_EQ(tracker_->Nearest({40.7010, -74.0}, 1000, 10, Availability::kAvailable).size(), 1u);
  EXPECT_EQ(tracker_->Nearest({40.7010, -74.0}, 1000, 10, Availability::kBusy).size(), 1u);
  tracker_->OnRiderChanged(Status("r2", RiderStatus::kOffline));
  EXPECT_EQ(tracker_->Nearest({40.7010, -74.0}, 1000, 10, Availability::kAny).size(), 1u);
  EXPECT_FALSE(tracker_->Ingest("r2", {At(40.7, -74.0, kStart + 5000)}).ok());
}

TEST_F(TrackerTest, StaleRidersDropOutAfterSixtySeconds) {
  ASSERT_TRUE(tracker_->Load().ok());
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(tracker_->Ingest("r1", {At(40.7, -74.0, clock_.NowMillis())}).ok());
  clock_.Advance(std::chrono::seconds(31));  // r2's last fix is 61 s old, r1's 31 s
  auto near = tracker_->Nearest({40.7, -74.0}, 1000, 10, Availability::kAny);
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].rider.rider_id, "r1");
  EXPECT_FALSE(tracker_->Position("r2"));
  EXPECT_TRUE(tracker_->LatestPosition("r2"));  // the dispatcher may still use an old position
}

TEST_F(TrackerTest, FlushPersistsADownsampledTrailLatestPositionsAndPublishesEveryFix) {
  auto bus = events::OpenEventBus("embedded:", dir_.string(), clock_, log_);
  ASSERT_TRUE(bus.ok()) << bus.error().message;
  bus_ = std::move(bus).value();
  tracker_->SetBus(bus_.get());
  ASSERT_TRUE(tracker_->Load().ok());
  // 25 fixes one second apart, moving north: trail points at 0 s, 10 s, 20 s.
  std::vector<Fix> fixes;
  for (int i = 0; i < 25; ++i) fixes.push_back(At(40.70 + i * 0.0001, -74.0, kStart + 1000 + i * 1000));
  clock_.Advance(std::chrono::seconds(30));
  auto r = tracker_->Ingest("r1", fixes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(tracker_->Flush().ok());

  std::vector<Millis> trail;
  std::string zone;
  double lat = 0;
  ASSERT_TRUE(db_->Read<Ok>([&](storage::Connection& c) -> Result<Ok> {
                   HP_TRY(c.Query("SELECT at FROM rider_trail WHERE rider_id = 'r1' ORDER BY at", {},
                                  [&](const storage::Row& row) { trail.push_back(row.Int(0)); }));
                   HP_TRY(c.Query("SELECT lat, zone_id FROM riders WHERE user_id = 'r1'", {}, [&](const storage::Row& row) {
                     lat = row.Double(0);
                     zone = row.OptText(1).value_or("");
                   }));
                   return Ok{};
                 })
                  .ok());
  EXPECT_EQ(trail, (std::vector<Millis>{kStart + 1000, kStart + 11000, kStart + 21000}));
  EXPECT_NEAR(lat, 40.7024, 1e-9);
  EXPECT_EQ(zone, "north");

  auto consumer = bus_->Subscribe("test", {std::string(events::kRiderLocationsTopic)});
  ASSERT_TRUE(consumer.ok());
  std::vector<events::Record> got;
  for (int i = 0; i < 50 && got.size() < 25; ++i) {
    auto polled = (*consumer)->Poll(100, std::chrono::milliseconds(100));
    ASSERT_TRUE(polled.ok());
    for (auto& rec : *polled) got.push_back(std::move(rec));
  }
  ASSERT_EQ(got.size(), 25u);
  EXPECT_EQ(got[0].key, "r1");
  EXPECT_NE(got[0].value.find("\"type\":\"rider.location\""), std::string::npos);
  EXPECT_EQ(tracker_->Stats().fixes_published, 25u);
}

}  // namespace
}  // namespace hotpath::tracking
