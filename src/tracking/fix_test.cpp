// The batch rules: range, time order, future, batch size, and speed flags.
#include "tracking/fix.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace hotpath::tracking {
namespace {
constexpr Millis kNow = 1'790'000'000'000;  // 2026-09-21

std::vector<Fix> Parse(std::string_view text, json::FieldErrors& errors) {
  auto v = boost::json::parse(text);
  json::ObjectReader r(v, errors);
  auto fixes = ReadFixes(r, errors);
  r.Done();
  return fixes;
}

Fix At(double lat, double lon, Millis at) {
  Fix f;
  f.position = {lat, lon};
  f.at = at;
  return f;
}

TEST(Fixes, ParsesOptionalFieldsAndNamesEveryBadOne) {
  json::FieldErrors errors;
  auto fixes = Parse(R"({"fixes":[{"lat":40.7,"lon":-74,"at":"2026-09-21T10:00:00.500Z","accuracy_m":5,
                          "speed_mps":4.5,"heading_deg":90}]})", errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(fixes.size(), 1u);
  EXPECT_EQ(*fixes[0].speed_mps, 4.5);
  EXPECT_EQ(fixes[0].at % 1000, 500);

  json::FieldErrors bad;
  Parse(R"({"fixes":[{"lat":91,"lon":-74,"at":"2026-09-21T10:00:00Z"},{"lat":1,"lon":1,"at":"yesterday"},
               {"lat":1,"lon":1,"at":"2026-09-21T10:00:00Z","heading_deg":400,"altitude":3}]})", bad);
  std::vector<std::string> fields;
  for (const auto& e : bad.list()) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"fixes[0].lat", "fixes[1].at", "fixes[2].heading_deg",
                                              "fixes[2].altitude"}));
}

TEST(Fixes, BatchSizeIsBounded) {
  std::string body = R"({"fixes":[)";
  for (int i = 0; i <= 1000; ++i) body += std::string(i ? "," : "") + R"({"lat":1,"lon":1,"at":"2026-09-21T10:00:00Z"})";
  body += "]}";
  json::FieldErrors errors;
  Parse(body, errors);
  ASSERT_EQ(errors.list().size(), 1u);
  EXPECT_EQ(errors.list()[0].field, "fixes");
  EXPECT_NE(errors.list()[0].reason.find("1001"), std::string::npos);
  json::FieldErrors empty;
  Parse(R"({"fixes":[]})", empty);
  EXPECT_FALSE(empty.empty());
}

TEST(Fixes, RejectsFutureAndOutOfOrderFixes) {
  Fix latest = At(40.7, -74.0, kNow - 10000);
  auto future = CheckBatch({At(40.7, -74.0, kNow + 121000)}, latest, kNow);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().fields.at(0).field, "fixes[0].at");
  EXPECT_NE(future.error().fields[0].reason.find("2 minutes"), std::string::npos);
  EXPECT_TRUE(CheckBatch({At(40.7, -74.0, kNow + 119000)}, latest, kNow).ok());

  auto older = CheckBatch({At(40.7, -74.0, kNow - 20000)}, latest, kNow);
  ASSERT_FALSE(older.ok());
  EXPECT_NE(older.error().fields.at(0).reason.find("not after the rider's latest fix"), std::string::npos);
  // Inside one batch too: the second fix goes back in time.
  auto swapped = CheckBatch({At(40.7, -74.0, kNow - 1000), At(40.7, -74.0, kNow - 2000)}, latest, kNow);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().fields.at(0).field, "fixes[1].at");
}

TEST(Fixes, AResentLatestFixIsADuplicateNotAnError) {
  Fix latest = At(40.7, -74.0, kNow - 10000);
  auto resent = CheckBatch({At(40.7, -74.0, kNow - 10000), At(40.7001, -74.0, kNow - 5000)}, latest, kNow);
  ASSERT_TRUE(resent.ok());
  EXPECT_EQ(resent->duplicates, 1u);
  EXPECT_EQ(resent->applied, (std::vector<std::size_t>{1}));
  // The same time somewhere else is not a resend: it is out of order.
  auto moved = CheckBatch({At(40.71, -74.0, kNow - 10000)}, latest, kNow);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().fields.at(0).field, "fixes[0].at");
}

TEST(Fixes, FlagsImpossibleJumpsWithoutApplyingThem) {
  Fix latest = At(40.7000, -74.0, kNow - 20000);
  // 10 s later: 100 m (36 km/h, fine), then 2 km more in 10 s (720 km/h, flagged), then back near.
  auto v = CheckBatch({At(40.7009, -74.0, kNow - 10000), At(40.7189, -74.0, kNow), At(40.7012, -74.0, kNow + 10000)},
                      latest, kNow);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->applied, (std::vector<std::size_t>{0, 2}));
  ASSERT_EQ(v->flagged.size(), 1u);
  EXPECT_EQ(v->flagged[0].index, 1u);
  EXPECT_GT(v->flagged[0].implied_kmh, 200);
  EXPECT_NE(v->flagged[0].reason.find("km/h"), std::string::npos);
  // A first fix has nothing to jump from.
  auto first = CheckBatch({At(10, 10, kNow)}, std::nullopt, kNow);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->applied.size(), 1u);
}

}  // namespace
}  // namespace hotpath::tracking
