#include "forecast/holidays.h"

#include <string>

namespace hotpath::forecast {
namespace {

using OneDay = std::chrono::days;
using std::chrono::Friday;
using std::chrono::last;
using std::chrono::Monday;
using std::chrono::Saturday;
using std::chrono::Sunday;
using std::chrono::Thursday;
using std::chrono::weekday;
using std::chrono::year;

Day Date(int y, unsigned m, unsigned d) {
  return Day(std::chrono::year_month_day{year(y), std::chrono::month(m), std::chrono::day(d)});
}

Day Nth(int y, unsigned m, weekday wd, unsigned n) {
  return Day(std::chrono::year_month_weekday{year(y), std::chrono::month(m), wd[n]});
}

Day Last(int y, unsigned m, weekday wd) {
  return Day(std::chrono::year_month_weekday_last{year(y), std::chrono::month(m), wd[last]});
}

// US rule: a Saturday holiday is observed on Friday, a Sunday one on Monday.
Day UsObserved(Day d) {
  const weekday wd(d);
  if (wd == Saturday) return d - OneDay(1);
  if (wd == Sunday) return d + OneDay(1);
  return d;
}

bool IsWeekend(Day d) {
  const weekday wd(d);
  return wd == Saturday || wd == Sunday;
}

}  // namespace

Day EasterSunday(int y) {  // anonymous Gregorian algorithm
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return Date(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

Result<HolidayCalendar> HolidayCalendar::Make(std::string_view name, int first_year, int last_year) {
  HolidayCalendar cal;
  for (int y = first_year; y <= last_year; ++y) {
    if (name == "us") {
      for (Day d : {UsObserved(Date(y, 1, 1)), Nth(y, 1, Monday, 3), Nth(y, 2, Monday, 3), Last(y, 5, Monday),
                    UsObserved(Date(y, 7, 4)), Nth(y, 9, Monday, 1), Nth(y, 10, Monday, 2),
                    UsObserved(Date(y, 11, 11)), Nth(y, 11, Thursday, 4), UsObserved(Date(y, 12, 25))}) {
        cal.days_.insert(d);
      }
      if (y >= 2021) cal.days_.insert(UsObserved(Date(y, 6, 19)));
    } else if (name == "uk") {
      const Day easter = EasterSunday(y);
      Day new_year = Date(y, 1, 1);
      while (IsWeekend(new_year)) new_year += OneDay(1);
      // Christmas and Boxing Day move to the next free weekdays when they fall on a weekend.
      Day christmas = Date(y, 12, 25);
      while (IsWeekend(christmas)) christmas += OneDay(1);
      Day boxing = std::max(Date(y, 12, 26), christmas + OneDay(1));
      while (IsWeekend(boxing)) boxing += OneDay(1);
      for (Day d : {new_year, easter - OneDay(2), easter + OneDay(1), Nth(y, 5, Monday, 1),
                    Last(y, 5, Monday), Last(y, 8, Monday), christmas, boxing}) {
        cal.days_.insert(d);
      }
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown holiday calendar '" + std::string(name) + "' (us, uk)");
    }
  }
  return cal;
}

bool HolidayCalendar::InLongWeekend(Day d) const {
  if (IsHoliday(d)) return true;
  if (!IsWeekend(d) && weekday(d) != Friday) return false;
  for (int dir : {-1, 1}) {
    for (Day x = d + OneDay(dir); x != d + OneDay(4 * dir); x += OneDay(dir)) {
      if (IsHoliday(x)) return true;
      if (!IsWeekend(x)) break;
    }
  }
  return false;
}

}  // namespace hotpath::forecast
