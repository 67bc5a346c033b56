#pragma once
// Time grid helpers: UTC timestamps (sys_seconds), the supported panel frequencies and calendar fields.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hotpath::forecast {

using Timestamp = std::chrono::sys_seconds;

enum class Freq { k15min, k30min, k1h, k1d };

std::optional<Freq> ParseFreq(std::string_view text);  // "15min", "30min", "1h", "1d"
std::string_view FreqName(Freq freq);
std::chrono::seconds FreqStep(Freq freq);
int SlotsPerDay(Freq freq);
int SlotsPerWeek(Freq freq);

// Accepts "YYYY-MM-DD", "YYYY-MM-DD HH:MM" and "YYYY-MM-DD[ T]HH:MM:SS" with an optional trailing 'Z'.
std::optional<Timestamp> ParseTimestamp(std::string_view text);
std::string FormatTimestamp(Timestamp t);  // "YYYY-MM-DD HH:MM:SS"

int HourOfDay(Timestamp t);
int DayOfWeek(Timestamp t);  // 0 = Monday
int SlotOfDay(Timestamp t, Freq freq);

}  // namespace hotpath::forecast
