#include "forecast/calendar.h"

#include <cstdio>

namespace hotpath::forecast {
namespace {

bool ParseDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<Freq> ParseFreq(std::string_view text) {
  if (text == "15min" || text == "15T") return Freq::k15min;
  if (text == "30min" || text == "30T") return Freq::k30min;
  if (text == "1h" || text == "h" || text == "H" || text == "1H") return Freq::k1h;
  if (text == "1d" || text == "d" || text == "D" || text == "1D") return Freq::k1d;
  return std::nullopt;
}

std::string_view FreqName(Freq freq) {
  switch (freq) {
    case Freq::k15min:
      return "15min";
    case Freq::k30min:
      return "30min";
    case Freq::k1h:
      return "1h";
    case Freq::k1d:
      return "1d";
  }
  return "?";
}

std::chrono::seconds FreqStep(Freq freq) {
  switch (freq) {
    case Freq::k15min:
      return std::chrono::minutes(15);
    case Freq::k30min:
      return std::chrono::minutes(30);
    case Freq::k1h:
      return std::chrono::hours(1);
    case Freq::k1d:
      return std::chrono::hours(24);
  }
  return std::chrono::hours(1);
}

int SlotsPerDay(Freq freq) { return static_cast<int>(std::chrono::hours(24) / FreqStep(freq)); }
int SlotsPerWeek(Freq freq) { return 7 * SlotsPerDay(freq); }

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ParseDigits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !ParseDigits(s, 5, 2, mo) || s[7] != '-' ||
      !ParseDigits(s, 8, 2, d)) {
    return std::nullopt;
  }
  if (s.size() > 10) {
    if ((s[10] != ' ' && s[10] != 'T') || !ParseDigits(s, 11, 2, h) || s.size() < 16 || s[13] != ':' ||
        !ParseDigits(s, 14, 2, mi)) {
      return std::nullopt;
    }
    if (s.size() > 16) {
      if (s.size() != 19 || s[16] != ':' || !ParseDigits(s, 17, 2, sec)) return std::nullopt;
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec);
}

std::string FormatTimestamp(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

int HourOfDay(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  return static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(t - day).count());
}

int DayOfWeek(Timestamp t) {
  const std::chrono::weekday wd(std::chrono::floor<std::chrono::days>(t));
  return static_cast<int>((wd.c_encoding() + 6) % 7);
}

int SlotOfDay(Timestamp t, Freq freq) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  return static_cast<int>((t - day) / FreqStep(freq));
}

}  // namespace hotpath::forecast
