#pragma once
// Public holiday calendars for calendar features: "us" (US federal, observed dates) and "uk"
// (England & Wales bank holidays, with substitute days). Rules, not tables, so any year works.
#include <chrono>
#include <set>
#include <string_view>

#include "forecast/result.h"

namespace hotpath::forecast {

using Day = std::chrono::sys_days;

class HolidayCalendar {
 public:
  // Errors: unknown calendar name.
  static Result<HolidayCalendar> Make(std::string_view name, int first_year = 2000, int last_year = 2100);
  bool IsHoliday(Day d) const { return days_.count(d) > 0; }
  // d is a holiday, or a weekend day joined to a holiday by other weekend days (a long weekend).
  bool InLongWeekend(Day d) const;
  const std::set<Day>& days() const { return days_; }

 private:
  std::set<Day> days_;
};

Day EasterSunday(int year);

}  // namespace hotpath::forecast
