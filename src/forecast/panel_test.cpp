#include "forecast/panel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "forecast/convert.h"
#include "forecast/test_util.h"

namespace hotpath::forecast {
namespace {

Result<Panel> Parse(const std::string& csv, PanelReadOptions opt = {}) {
  std::istringstream in(csv);
  return ParsePanelCsv(in, opt, "p.csv");
}

std::string ErrorOf(const std::string& csv, PanelReadOptions opt = {}) {
  auto p = Parse(csv, opt);
  return p.ok() ? "ok" : p.error().message;
}

TEST(PanelTest, ParsesInterleavedSeriesAndInfersFrequency) {
  auto p = Parse(
      "unique_id,ds,y\na,2024-01-01 00:00:00,1\nb,2024-01-01 00:00:00,5\na,2024-01-01 01:00:00,2\n"
      "b,2024-01-01T01:00:00Z,6\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->freq, Freq::k1h);
  ASSERT_EQ(p->ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p->length, 2u);
  EXPECT_EQ(p->values[1][1], 6);
  EXPECT_EQ(FormatTimestamp(p->TimeAt(1)), "2024-01-01 01:00:00");
}

TEST(PanelTest, ColumnsInAnyOrderAndDailyDates) {
  auto p = Parse("y,unique_id,ds\n3,x,2024-03-01\n4,x,2024-03-02\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->freq, Freq::k1d);
  EXPECT_EQ(p->values[0][1], 4);
}

TEST(PanelTest, ErrorsNameTheLine) {
  const std::string h = "unique_id,ds,y\n";
  EXPECT_EQ(ErrorOf(h + "a,2024-01-01 00:00,1\na,2024-01-01 01:00,abc\n"),
            "p.csv:3: y is not a number: 'abc'");
  EXPECT_NE(ErrorOf(h + "a,2024-01-01 00:00,-2\n").find("p.csv:2: negative y"), std::string::npos);
  EXPECT_NE(ErrorOf(h + "a,2024-01-01 00:00,1\na,2024-01-01 00:00,1\n").find("p.csv:3: duplicate row"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "a,2024-01-01 01:00,1\na,2024-01-01 00:00,1\n").find("p.csv:3: unsorted rows"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "a,2024-13-01 00:00,1\n").find("p.csv:2: bad ds"), std::string::npos);
  EXPECT_NE(ErrorOf(h + "a,2024-01-01 00:00,nan\n").find("p.csv:2: y is not finite"), std::string::npos);
  EXPECT_NE(ErrorOf(h + "a,2024-01-01 00:00\n").find("p.csv:2: expected at least 3 columns"),
            std::string::npos);
  EXPECT_NE(ErrorOf("id,ds,value\n").find("p.csv:1: header must contain"), std::string::npos);
}

TEST(PanelTest, GapIsAnErrorUnlessFilled) {
  const std::string csv =
      "unique_id,ds,y\na,2024-01-01 00:00,1\na,2024-01-01 01:00,1\na,2024-01-01 04:00,7\n";
  PanelReadOptions opt;
  opt.freq = Freq::k1h;
  EXPECT_NE(ErrorOf(csv, opt).find("p.csv:4: gap in unique_id 'a': 2 missing slot(s)"), std::string::npos);
  opt.fill_gaps = true;
  auto p = Parse(csv, opt);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->values[0], (std::vector<double>{1, 1, 0, 0, 7}));
}

TEST(PanelTest, OffGridTimeIsAnError) {
  PanelReadOptions opt;
  opt.freq = Freq::k30min;
  EXPECT_NE(ErrorOf("unique_id,ds,y\na,2024-01-01 00:00,1\na,2024-01-01 00:45,1\n", opt).find("p.csv:3: ds"),
            std::string::npos);
}

TEST(PanelTest, SeriesWithDifferentSpansAreNaNOutside) {
  auto p = Parse("unique_id,ds,y\na,2024-01-01 00:15,1\na,2024-01-01 00:30,2\nb,2024-01-01 00:30,3\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->freq, Freq::k15min);
  EXPECT_EQ(p->start, *ParseTimestamp("2024-01-01 00:15"));
  EXPECT_TRUE(std::isnan(p->values[1][0]));
  EXPECT_EQ(p->values[1][1], 3);
}

TEST(PanelTest, WriteThenReadRoundTrips) {
  const Panel p = testing::SyntheticHourly(2, 3, 4.0);
  const std::string path = testing::TempPath("roundtrip.csv");
  ASSERT_TRUE(WritePanelCsv(p, path).ok());
  auto q = ReadPanelCsv(path, {});
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->ids, p.ids);
  EXPECT_EQ(q->values, p.values);
  EXPECT_EQ(q->start, p.start);
}

TEST(ConvertTest, NycLayout) {
  const std::string dir = testing::TempPath("nyc");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/2017-01_1H_zone.csv")
      << ",PUZone,Count,PUTime\n0,0,5,2017-01-01 00:00:00\n1,1,7,2017-01-01 "
         "00:00:00\n2,0,6,2017-01-01 01:00:00\n3,1,8,2017-01-01 01:00:00\n";
  std::ofstream(dir + "/weather.csv") << "DATE,AWND\n1/1/17,5\n";
  auto p = ConvertNycZones(dir);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->ids, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(p->values[1], (std::vector<double>{7, 8}));
  std::ofstream(dir + "/2017-02_1H_zone.csv") << ",PUZone,Count,PUTime\n0,0,5,2017-01-01 00:00:00\n";
  auto dup = ConvertNycZones(dir);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("2017-02_1H_zone.csv:2: duplicate"), std::string::npos);
}

TEST(ConvertTest, LondonCountsDistinctOrdersPerSlot) {
  const std::string path = testing::WriteTemp(
      "orders.csv",
      "OrderNumber,OrderDate,ItemName,Quantity,ProductPrice,TotalProducts\n"
      "1,02/01/2019 18:05,Naan,1,2.95,2\n1,02/01/2019 18:05,Rice,1,2.95,2\n2,02/01/2019 18:40,Naan,1,2.95,1\n"
      "3,03/01/2019 19:10,Naan,1,2.95,1\n");
  auto daily = ConvertLondonOrders(path, Freq::k1d, "r1");
  ASSERT_TRUE(daily.ok()) << daily.error().message;
  EXPECT_EQ(daily->values[0], (std::vector<double>{2, 1}));
  auto hourly = ConvertLondonOrders(path, Freq::k1h, "r1");
  ASSERT_TRUE(hourly.ok());
  EXPECT_EQ(hourly->length, 48u);
  EXPECT_EQ(hourly->values[0][18], 2);
  EXPECT_EQ(hourly->values[0][24 + 19], 1);
  const std::string bad = testing::WriteTemp("bad_orders.csv", "OrderNumber,OrderDate\n1,2019-01-02 18:05\n");
  auto err = ConvertLondonOrders(bad, Freq::k1d, "r1");
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("bad_orders.csv:2: bad OrderDate"), std::string::npos);
}

TEST(ConvertTest, RealLondonFileMatchesKnownOrderCount) {
  auto p = ConvertLondonOrders(
      testing::SharedDir() + "/data/demand/london_takeaway_orders/restaurant-1-orders.csv", Freq::k1d, "r1");
  ASSERT_TRUE(p.ok()) << p.error().message;
  double total = 0;
  for (double v : p->values[0]) total += v;
  EXPECT_EQ(total, 13397);  // distinct OrderNumber values in the file
  EXPECT_EQ(FormatTimestamp(p->start), "2015-09-01 00:00:00");
}

}  // namespace
}  // namespace hotpath::forecast
