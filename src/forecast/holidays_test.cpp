#include "forecast/holidays.h"

#include <gtest/gtest.h>

#include "forecast/method.h"

namespace hotpath::forecast {
namespace {

Day D(const char* s) { return std::chrono::floor<std::chrono::days>(*ParseTimestamp(s)); }

TEST(HolidaysTest, UsFederalRulesAndObservedDates) {
  auto us = HolidayCalendar::Make("us", 2017, 2022);
  ASSERT_TRUE(us.ok());
  for (const char* d : {"2017-01-02", "2017-01-16", "2017-02-20", "2017-05-29", "2017-07-04", "2017-09-04",
                        "2017-11-23", "2017-12-25", "2021-06-18", "2021-12-24"}) {
    EXPECT_TRUE(us->IsHoliday(D(d))) << d;
  }
  EXPECT_FALSE(us->IsHoliday(D("2017-01-01")));  // a Sunday, observed on Monday the 2nd
  EXPECT_FALSE(us->IsHoliday(D("2017-05-22")));
  // Memorial Day weekend: Friday to Monday, but not the Thursday before or the Tuesday after.
  for (const char* d : {"2017-05-26", "2017-05-27", "2017-05-28", "2017-05-29"})
    EXPECT_TRUE(us->InLongWeekend(D(d))) << d;
  EXPECT_FALSE(us->InLongWeekend(D("2017-05-25")));
  EXPECT_FALSE(us->InLongWeekend(D("2017-05-30")));
  EXPECT_FALSE(us->InLongWeekend(D("2017-05-20")));  // an ordinary weekend
}

TEST(HolidaysTest, EnglandAndWalesBankHolidays) {
  auto uk = HolidayCalendar::Make("uk", 2019, 2021);
  ASSERT_TRUE(uk.ok());
  EXPECT_EQ(EasterSunday(2019), D("2019-04-21"));
  EXPECT_EQ(EasterSunday(2024), D("2024-03-31"));
  for (const char* d : {"2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26",
                        "2019-12-25", "2019-12-26", "2020-12-28", "2021-12-27", "2021-12-28"}) {
    EXPECT_TRUE(uk->IsHoliday(D(d))) << d;
  }
  EXPECT_FALSE(uk->IsHoliday(D("2020-12-26")));  // Boxing Day on a Saturday moves to Monday the 28th
  EXPECT_FALSE(HolidayCalendar::Make("mars").ok());
  EXPECT_FALSE(MakeMethod("xgb:holidays=mars").ok());
  EXPECT_TRUE(MakeMethod("xgb:holidays=uk").ok());
}

}  // namespace
}  // namespace hotpath::forecast
