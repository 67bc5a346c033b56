#include "staffsim/couriers.h"

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "dispatch/mdrp/solution.h"

namespace hotpath::staffsim {
namespace {

std::string Number(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}

}  // namespace

std::vector<dispatch::Point> StartPool(const dispatch::mdrp::Instance& day, StartPositions from) {
  std::vector<dispatch::Point> pool;
  if (from == StartPositions::kScheduleOnLocations) {
    for (const auto& c : day.couriers) pool.push_back(c.start);
  } else {
    for (const auto& r : day.restaurants) pool.push_back(r.location);
  }
  return pool;
}

std::vector<dispatch::mdrp::Courier> CouriersFromPlan(const forecast::ShiftPlan& plan,
                                                      const std::vector<dispatch::Point>& pool,
                                                      std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<dispatch::mdrp::Courier> out;
  for (const auto& s : plan.shifts) {
    const auto on = static_cast<dispatch::TimePoint>(s.start.time_since_epoch().count());
    const dispatch::TimePoint off = on + static_cast<dispatch::TimePoint>(s.length_hours) * 3600;
    for (int k = 0; k < s.couriers; ++k) {
      const auto& where = pool[static_cast<size_t>(rng() % pool.size())];
      out.push_back({"p" + std::to_string(out.size() + 1), where, on, off});
    }
  }
  return out;
}

double CourierHours(const std::vector<dispatch::mdrp::Courier>& couriers) {
  double seconds = 0;
  for (const auto& c : couriers) seconds += static_cast<double>(c.off - c.on);
  return seconds / 3600.0;
}

std::optional<std::string> WriteInstance(const dispatch::mdrp::Instance& day,
                                         const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  using dispatch::mdrp::FormatMinutes;
  std::ofstream r(dir / "restaurants.txt"), o(dir / "orders.txt"), c(dir / "couriers.txt"),
      p(dir / "instance_parameters.txt");
  r << "restaurant\tx\ty\n";
  for (const auto& x : day.restaurants)
    r << x.id << '\t' << Number(x.location.x) << '\t' << Number(x.location.y) << '\n';
  o << "order\tx\ty\tplacement_time\trestaurant\tready_time\n";
  for (const auto& x : day.orders) {
    o << x.id << '\t' << Number(x.dropoff.x) << '\t' << Number(x.dropoff.y) << '\t' << FormatMinutes(x.placed)
      << '\t' << day.restaurants[static_cast<size_t>(x.restaurant)].id << '\t' << FormatMinutes(x.ready)
      << '\n';
  }
  c << "courier\tx\ty\ton_time\toff_time\n";
  for (const auto& x : day.couriers) {
    c << x.id << '\t' << Number(x.start.x) << '\t' << Number(x.start.y) << '\t' << FormatMinutes(x.on) << '\t'
      << FormatMinutes(x.off) << '\n';
  }
  const auto& q = day.parameters;
  p << "meters_per_minute\tpickup service minutes\tdropoff service minutes\ttarget click-to-door\t"
       "maximum click-to-door\tpay per order\tguaranteed pay per hour\n"
    << Number(q.metres_per_minute) << '\t' << FormatMinutes(q.pickup_service) << '\t'
    << FormatMinutes(q.dropoff_service) << '\t' << FormatMinutes(q.target_click_to_door) << '\t'
    << FormatMinutes(q.max_click_to_door) << '\t' << Number(q.pay_per_order) << '\t' << Number(q.pay_per_hour)
    << '\n';
  for (auto* f : {&r, &o, &c, &p}) {
    f->flush();
    if (!*f) return "cannot write the instance files in " + dir.string();
  }
  return std::nullopt;
}

}  // namespace hotpath::staffsim
