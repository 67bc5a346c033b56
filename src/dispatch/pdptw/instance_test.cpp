#include "dispatch/pdptw/instance.h"

#include <gtest/gtest.h>

#include "dispatch/pdptw/test_data.h"

namespace hotpath::dispatch::pdptw {
namespace {

// Depot, one request (1 -> 2).
constexpr const char* kTiny =
    "3 10 1\n"
    "0 0 0 0 0 100 0 0 0\n"
    "1 3 4 5 0 50 1 0 2\n"
    "2 6 8 -5 0 60 1 1 0\n";

TEST(PdptwInstance, ParsesRealLiLimFile) {
  auto inst = LoadInstance(testing::LiLimPath("li_lim_100", "lc101"));
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  EXPECT_EQ(inst.value().name, "lc101");
  EXPECT_EQ(inst.value().vehicle_limit, 25);
  EXPECT_DOUBLE_EQ(inst.value().capacity, 200);
  EXPECT_EQ(inst.value().size(), 107);
  EXPECT_EQ(inst.value().pickups.size(), 53u);
  for (NodeId p : inst.value().pickups) {
    EXPECT_EQ(inst.value().nodes[inst.value().DeliveryOf(p)].pickup, p);
  }
}

TEST(PdptwInstance, ParsesTinyInstanceAndDistances) {
  auto inst = ParseInstance(kTiny, "tiny.txt");
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  EXPECT_EQ(inst.value().pickups, std::vector<NodeId>{1});
  EXPECT_DOUBLE_EQ(inst.value().Dist(0, 1), 5.0);
  EXPECT_DOUBLE_EQ(inst.value().Dist(0, 2), 10.0);
  EXPECT_DOUBLE_EQ(inst.value().Dist(2, 1), 5.0);
}

struct BadCase {
  const char* text;
  const char* expect;  // substring of the error, which must start with "bad.txt:<line>"
  int line;
};

class PdptwMalformed : public ::testing::TestWithParam<BadCase> {};

TEST_P(PdptwMalformed, ReportsFileAndLine) {
  auto inst = ParseInstance(GetParam().text, "bad.txt");
  ASSERT_FALSE(inst.ok());
  const std::string& msg = inst.error().message;
  EXPECT_EQ(msg.rfind("bad.txt:" + std::to_string(GetParam().line) + ":", 0), 0u) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PdptwMalformed,
    ::testing::Values(
        BadCase{"", "empty", 1},
        BadCase{"3 10\n", "vehicles capacity speed", 1},
        BadCase{"3 ten 1\n0 0 0 0 0 100 0 0 0\n", "capacity", 1},
        BadCase{"3 10 -1\n0 0 0 0 0 100 0 0 0\n", "speed", 1},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0\n", "expected 9 fields", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 x 5 0 50 1 0 2\n2 6 8 -5 0 60 1 1 0\n", "not a number", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n2 3 4 5 0 50 1 0 2\n", "expected node id 1", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 7\n2 6 8 -5 0 60 1 1 0\n", "out of range", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -4 0 60 1 1 0\n", "demands differ", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -5 0 60 1 0 0\n", "does not point back", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 60 50 1 0 2\n2 6 8 -5 0 60 1 1 0\n", "window", 3},
        BadCase{"3 4 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -5 0 60 1 1 0\n", "capacity", 3},
        BadCase{"3 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -5 0 3 1 1 0\n", "cannot be served", 3}));

TEST(PdptwInstance, AcceptsZeroSpeedFieldAsInPublishedFiles) {
  auto inst = LoadInstance(testing::LiLimPath("li_lim_100", "lc104"));
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  EXPECT_EQ(inst.value().pickups.size(), 53u);
}

TEST(PdptwInstance, MissingFileIsAnIoError) {
  auto inst = LoadInstance("/nonexistent/dir/x.txt");
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code, ErrorCode::kIo);
  EXPECT_NE(inst.error().message.find("/nonexistent/dir/x.txt"), std::string::npos);
}

}  // namespace
}  // namespace hotpath::dispatch::pdptw
