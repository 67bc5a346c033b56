#include "dispatch/mdrp/solution.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace hotpath::dispatch::mdrp {
namespace {

std::string PlaceName(const Instance& inst, const Place& p) {
  switch (p.kind) {
    case Place::Kind::kOnLocation:
      return "0";
    case Place::Kind::kRestaurant:
      return inst.restaurants[static_cast<size_t>(p.index)].id;
    case Place::Kind::kOrder:
      return inst.orders[static_cast<size_t>(p.index)].id;
  }
  return "0";
}

}  // namespace

std::string FormatMinutes(TimePoint seconds) {
  if (seconds % 60 == 0) return std::to_string(seconds / 60);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(seconds) / 60.0);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::optional<std::string> WriteSolution(const Instance& inst, const Solution& sol,
                                         const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();

  std::ofstream a(dir / kAssignmentsFile), o(dir / kOrdersFile), c(dir / kCouriersFile);
  if (!a || !o || !c) return "cannot write solution files in " + dir.string();

  a << "assignment_time\tpickup_time\tcourier\torders\n";
  for (const auto& r : sol.assignments) {
    a << FormatMinutes(r.assigned) << '\t' << FormatMinutes(r.pickup) << '\t'
      << inst.couriers[static_cast<size_t>(r.courier)].id;
    for (int ord : r.orders) a << '\t' << inst.orders[static_cast<size_t>(ord)].id;
    a << '\n';
  }

  o << "order\tplacement_time\tready_time\tpickup_time\tdropoff_time\tcourier\n";
  for (const auto& d : sol.deliveries) {
    const Order& ord = inst.orders[static_cast<size_t>(d.order)];
    o << ord.id << '\t' << FormatMinutes(ord.placed) << '\t' << FormatMinutes(ord.ready) << '\t'
      << FormatMinutes(d.pickup) << '\t' << FormatMinutes(d.dropoff) << '\t'
      << inst.couriers[static_cast<size_t>(d.courier)].id << '\n';
  }

  // Blocks per courier, each in execution order (stable sort keeps the per-courier sequence).
  std::vector<MoveRecord> moves = sol.moves;
  std::stable_sort(moves.begin(), moves.end(),
                   [](const MoveRecord& x, const MoveRecord& y) { return x.courier < y.courier; });
  c << "courier\tdeparture_time\torigin\tdestination\n";
  for (const auto& m : moves) {
    c << inst.couriers[static_cast<size_t>(m.courier)].id << '\t' << FormatMinutes(m.depart) << '\t'
      << PlaceName(inst, m.origin) << '\t' << PlaceName(inst, m.destination) << '\n';
  }
  a.close();
  o.close();
  c.close();
  if (!a || !o || !c) return "error while writing solution files in " + dir.string();
  return std::nullopt;
}

}  // namespace hotpath::dispatch::mdrp
