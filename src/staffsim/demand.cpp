#include "staffsim/demand.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>

namespace hotpath::staffsim {
namespace {

constexpr int kHours = 24;
constexpr double kHour = 3600.0;

forecast::Timestamp HourStamp(int h) { return forecast::Timestamp(std::chrono::hours(h)); }

QuantileForecast Row(const std::string& id, int h, double q10, double q50, double q90) {
  return QuantileForecast{id, HourStamp(h), q50, q10, q50, q90};
}

// Weighted quantile of (value, weight) pairs.
double WeightedQuantile(std::vector<std::pair<double, double>> v, double q) {
  std::sort(v.begin(), v.end());
  double total = 0;
  for (const auto& [x, w] : v) total += w;
  double seen = 0;
  for (const auto& [x, w] : v) {
    seen += w;
    if (seen >= q * total) return x;
  }
  return v.empty() ? 1.0 : v.back().first;
}

// The hours [first, last] between the first and the last non-zero value (first > last if none).
std::pair<int, int> NonZeroSpan(const std::vector<double>& per_hour) {
  int first = kHours, last = -1;
  for (int h = 0; h < kHours; ++h) {
    if (per_hour[static_cast<size_t>(h)] > 0) {
      first = std::min(first, h);
      last = h;
    }
  }
  return {first, last};
}

}  // namespace

std::string BaseDay(const std::string& instance_name) {
  size_t n = 0;
  while (n < instance_name.size() && std::isdigit(static_cast<unsigned char>(instance_name[n]))) ++n;
  return instance_name.substr(0, n);
}

std::vector<double> OrdersPerHour(const dispatch::mdrp::Instance& day) {
  std::vector<double> out(kHours, 0.0);
  for (const auto& o : day.orders) {
    const auto h = static_cast<size_t>(std::clamp<long long>(o.placed / 3600, 0, kHours - 1));
    out[h] += 1;
  }
  return out;
}

std::vector<double> ScheduledHoursPerHour(const std::vector<dispatch::mdrp::Courier>& couriers) {
  std::vector<double> out(kHours, 0.0);
  for (const auto& c : couriers) {
    for (int h = 0; h < kHours; ++h) {
      const double from = std::max<double>(static_cast<double>(c.on), h * kHour);
      const double to = std::min<double>(static_cast<double>(c.off), (h + 1) * kHour);
      if (to > from) out[static_cast<size_t>(h)] += (to - from) / kHour;
    }
  }
  return out;
}

int HourClass(const std::vector<double>& scheduled, int h, int bands) {
  if (bands <= 0) return 0;
  const auto [first, last] = NonZeroSpan(scheduled);
  if (h == last) return bands;
  double peak = 0;
  for (double x : scheduled) peak = std::max(peak, x);
  if (peak <= 0) return 0;
  const int band = static_cast<int>(std::floor(bands * scheduled[static_cast<size_t>(h)] / peak));
  return std::clamp(band, 0, bands - 1);
}

Result<ScheduleCalibration> CalibrateSchedule(const std::vector<dispatch::mdrp::Instance>& references,
                                              int load_bands) {
  double orders = 0, hours = 0;
  std::set<std::string> days;
  for (const auto& r : references) {
    orders += static_cast<double>(r.orders.size());
    for (double x : ScheduledHoursPerHour(r.couriers)) hours += x;
    days.insert(BaseDay(r.name));
  }
  if (references.empty() || hours <= 0 || orders <= 0) {
    return forecast::MakeError(forecast::ErrorCode::kInvalidArgument,
                               "schedule calibration needs reference days with orders and couriers");
  }
  ScheduleCalibration cal;
  cal.rate = orders / hours;
  cal.days = static_cast<int>(days.size());
  std::vector<std::pair<double, double>> factors;
  const int classes = load_bands > 0 ? load_bands + 1 : 0;
  std::vector<std::vector<std::pair<double, double>>> per_class(static_cast<size_t>(classes));
  for (const auto& r : references) {
    const auto placed = OrdersPerHour(r);
    const auto sched = ScheduledHoursPerHour(r.couriers);
    for (size_t h = 0; h < sched.size(); ++h) {
      if (sched[h] < 1.0) continue;
      factors.emplace_back(placed[h] / (sched[h] * cal.rate), sched[h]);
      if (classes > 0)
        per_class[static_cast<size_t>(HourClass(sched, static_cast<int>(h), load_bands))].push_back(
            factors.back());
    }
  }
  cal.load_bands = load_bands;
  for (auto& v : per_class) {
    ScheduleFactors f;
    f.hours = static_cast<int>(v.size());
    if (!v.empty()) {
      f.q10 = WeightedQuantile(v, 0.1);
      f.q50 = WeightedQuantile(v, 0.5);
      f.q90 = WeightedQuantile(std::move(v), 0.9);
    }
    cal.by_class.push_back(f);
  }
  cal.hours = static_cast<int>(factors.size());
  cal.q10 = WeightedQuantile(factors, 0.1);
  cal.q50 = WeightedQuantile(factors, 0.5);
  cal.q90 = WeightedQuantile(std::move(factors), 0.9);
  return cal;
}

std::vector<QuantileForecast> ScheduleForecast(const dispatch::mdrp::Instance& day,
                                               const ScheduleCalibration& calibration) {
  const auto sched = ScheduledHoursPerHour(day.couriers);
  const auto [first, last] = NonZeroSpan(sched);
  std::vector<QuantileForecast> out;
  for (int h = first; h <= last; ++h) {
    const double base = sched[static_cast<size_t>(h)] * calibration.rate;
    ScheduleFactors f{calibration.q10, calibration.q50, calibration.q90, calibration.hours};
    if (calibration.load_bands > 0) {
      const auto& c = calibration.by_class[static_cast<size_t>(HourClass(sched, h, calibration.load_bands))];
      if (c.hours > 0) f = c;
    }
    out.push_back(Row(day.name, h, base * f.q10, base * f.q50, base * f.q90));
  }
  return out;
}

std::vector<QuantileForecast> OracleForecast(const dispatch::mdrp::Instance& day) {
  const auto placed = OrdersPerHour(day);
  const auto [first, last] = NonZeroSpan(placed);
  std::vector<QuantileForecast> out;
  for (int h = first; h <= last; ++h) {
    const double y = placed[static_cast<size_t>(h)];
    out.push_back(Row(day.name, h, y, y, y));
  }
  return out;
}

std::vector<QuantileForecast> ToWorkload(const std::vector<QuantileForecast>& placed, double lag_minutes) {
  if (placed.empty()) return {};
  const double late = std::clamp(lag_minutes / 60.0, 0.0, 1.0);
  std::vector<QuantileForecast> out;
  QuantileForecast prev{};  // zeros before the first hour
  for (size_t i = 0; i <= placed.size(); ++i) {
    QuantileForecast cur = i < placed.size() ? placed[i] : QuantileForecast{};
    QuantileForecast w = cur;
    w.unique_id = placed.front().unique_id;
    w.ds = i < placed.size() ? cur.ds : placed.back().ds + std::chrono::hours(1);
    w.point = (1 - late) * cur.point + late * prev.point;
    w.q10 = (1 - late) * cur.q10 + late * prev.q10;
    w.q50 = (1 - late) * cur.q50 + late * prev.q50;
    w.q90 = (1 - late) * cur.q90 + late * prev.q90;
    out.push_back(w);
    prev = cur;
  }
  return out;
}

}  // namespace hotpath::staffsim
