#include "simulate/city_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <queue>

namespace hotpath::simulate {

namespace {

// Demand at the middle of each hour of the day, relative to the peaks.
constexpr std::array<double, 24> kHourly = {0.05, 0.03, 0.02, 0.02, 0.02, 0.03, 0.06, 0.10,
                                            0.14, 0.15, 0.22, 0.55, 1.00, 0.80, 0.40, 0.28,
                                            0.30, 0.55, 0.90, 1.00, 0.75, 0.45, 0.25, 0.12};
constexpr double kMetresPerDegreeLat = 111320.0;
constexpr double kPi = 3.14159265358979323846;

}  // namespace

double DemandShare(double hour_of_day) {
  double h = std::fmod(hour_of_day, 24.0);
  if (h < 0) h += 24.0;
  double pos = h - 0.5;  // hourly values sit at the middle of their hour
  if (pos < 0) pos += 24.0;
  int i = static_cast<int>(std::floor(pos)) % 24;
  double f = pos - std::floor(pos);
  return kHourly[i] * (1 - f) + kHourly[(i + 1) % 24] * f;
}

ArrivalProcess::ArrivalProcess(double peak_per_hour, std::uint64_t seed)
    : peak_per_s_(peak_per_hour / 3600.0), rng_(seed) {}

double ArrivalProcess::Next(double now_s) {
  std::exponential_distribution<double> gap(peak_per_s_);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double t = now_s;
  for (;;) {
    t += gap(rng_);
    if (u(rng_) <= DemandShare(t / 3600.0)) return t;
  }
}

geo::Point Toward(geo::Point from, geo::Point to, double metres) {
  double d = geo::DistanceMeters(from, to);
  if (d <= metres || d <= 0) return to;
  double f = metres / d;
  return {from.lat + (to.lat - from.lat) * f, from.lon + (to.lon - from.lon) * f};
}

PlaneMapping::PlaneMapping(double min_x, double min_y, double max_x, double max_y, CityBox box)
    : min_x_(min_x), min_y_(min_y) {
  m_per_deg_lat_ = kMetresPerDegreeLat;
  m_per_deg_lon_ = kMetresPerDegreeLat * std::cos(box.Center().lat * kPi / 180.0);
  double city_w = (box.max_lon - box.min_lon) * m_per_deg_lon_;
  double city_h = (box.max_lat - box.min_lat) * m_per_deg_lat_;
  double w = std::max(max_x - min_x, 1.0);
  double h = std::max(max_y - min_y, 1.0);
  scale_ = std::min(city_w / w, city_h / h);
  // Centre the scaled instance in the box.
  lat0_ = box.min_lat + (city_h - h * scale_) / 2 / m_per_deg_lat_;
  lon0_ = box.min_lon + (city_w - w * scale_) / 2 / m_per_deg_lon_;
}

geo::Point PlaneMapping::ToCity(double x, double y) const {
  return {lat0_ + (y - min_y_) * scale_ / m_per_deg_lat_, lon0_ + (x - min_x_) * scale_ / m_per_deg_lon_};
}

std::vector<int> AssignShifts(const std::vector<std::pair<double, double>>& shifts) {
  std::vector<std::size_t> order(shifts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return shifts[a].first < shifts[b].first; });
  using Free = std::pair<double, int>;  // (free from, account)
  std::priority_queue<Free, std::vector<Free>, std::greater<>> free;
  std::vector<int> account(shifts.size(), -1);
  int accounts = 0;
  for (auto i : order) {
    if (!free.empty() && free.top().first <= shifts[i].first) {
      account[i] = free.top().second;
      free.pop();
    } else {
      account[i] = accounts++;
    }
    free.push({shifts[i].second, account[i]});
  }
  return account;
}

}  // namespace hotpath::simulate
