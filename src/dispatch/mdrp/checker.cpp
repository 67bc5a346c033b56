#include "dispatch/mdrp/checker.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_map>

namespace hotpath::dispatch::mdrp {
namespace {

constexpr double kEps = 1e-6;

std::vector<std::vector<std::string>> ReadRows(const std::filesystem::path& path,
                                               std::vector<std::string>& errors) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  if (!in) {
    errors.push_back("cannot read " + path.string());
    return rows;
  }
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    if (!row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

double ToMinutes(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

struct Pending {
  double pickup;
  double assigned;
  std::vector<int> orders;
};

class Checker {
 public:
  Checker(const Instance& inst, const std::filesystem::path& dir) : inst_(inst), dir_(dir) {
    for (size_t i = 0; i < inst.restaurants.size(); ++i) rest_[inst.restaurants[i].id] = static_cast<int>(i);
    for (size_t i = 0; i < inst.orders.size(); ++i) order_[inst.orders[i].id] = static_cast<int>(i);
    for (size_t i = 0; i < inst.couriers.size(); ++i) courier_[inst.couriers[i].id] = static_cast<int>(i);
  }

  CheckReport Run() {
    ReadAssignments();
    ReadDeliveries();
    ReplayMoves();
    for (const auto& [o, d] : delivered_) {
      if (!d.picked) Error("order " + Oid(o) + " delivered but no move picks it up");
    }
    report_.metrics = ComputeMetrics();
    return std::move(report_);
  }

 private:
  struct Delivery {
    double pickup = 0, dropoff = 0;
    int courier = -1;
    bool picked = false;
  };

  void Error(std::string e) { report_.errors.push_back(std::move(e)); }
  const std::string& Oid(int o) const { return inst_.orders[static_cast<size_t>(o)].id; }
  double Min(TimePoint s) const { return static_cast<double>(s) / 60.0; }

  // Checks 1 and 2 (each order at most once, never before placement) and single-restaurant bundles.
  void ReadAssignments() {
    for (const auto& r : ReadRows(dir_ / "solution_info_assignments.txt", report_.errors)) {
      if (r.size() < 4) {
        Error("assignment line with fewer than 4 fields");
        continue;
      }
      auto c = courier_.find(r[2]);
      if (c == courier_.end()) {
        Error("assignment to unknown courier " + r[2]);
        continue;
      }
      Pending p{ToMinutes(r[1]), ToMinutes(r[0]), {}};
      std::set<int> restaurants;
      for (size_t i = 3; i < r.size(); ++i) {
        auto o = order_.find(r[i]);
        if (o == order_.end()) {
          Error("unknown order " + r[i]);
          continue;
        }
        if (!assigned_courier_.emplace(o->second, c->second).second)
          Error("order " + r[i] + " assigned twice");
        if (p.assigned + kEps < Min(inst_.orders[static_cast<size_t>(o->second)].placed)) {
          Error("order " + r[i] + " assigned before its placement");
        }
        restaurants.insert(inst_.orders[static_cast<size_t>(o->second)].restaurant);
        p.orders.push_back(o->second);
      }
      if (restaurants.size() > 1) Error("bundle of courier " + r[2] + " spans several restaurants");
      if (!p.orders.empty()) {
        bundle_sizes_.push_back(static_cast<int>(p.orders.size()));
        queue_[c->second].push_back(std::move(p));
      }
    }
    for (auto& [c, q] : queue_) {
      std::stable_sort(q.begin(), q.end(),
                       [](const Pending& a, const Pending& b) { return a.pickup < b.pickup; });
    }
  }

  void ReadDeliveries() {
    for (const auto& r : ReadRows(dir_ / "solution_info_orders.txt", report_.errors)) {
      if (r.size() < 6) {
        Error("order line with fewer than 6 fields");
        continue;
      }
      auto o = order_.find(r[0]);
      auto c = courier_.find(r[5]);
      if (o == order_.end() || c == courier_.end()) {
        Error("delivery line names unknown order or courier: " + r[0] + " " + r[5]);
        continue;
      }
      auto a = assigned_courier_.find(o->second);
      if (a == assigned_courier_.end() || a->second != c->second) {
        Error("order " + r[0] + " delivered by " + r[5] + " without an assignment to it");
      }
      if (!delivered_.emplace(o->second, Delivery{ToMinutes(r[3]), ToMinutes(r[4]), c->second, false})
               .second) {
        Error("order " + r[0] + " delivered twice");
      }
    }
  }

  bool Locate(int c, const std::string& key, Point& p, int& rest, int& ord) const {
    rest = ord = -1;
    if (key == "0") {
      p = inst_.couriers[static_cast<size_t>(c)].start;
      return true;
    }
    if (auto r = rest_.find(key); r != rest_.end()) {
      rest = r->second;
      p = inst_.restaurants[static_cast<size_t>(rest)].location;
      return true;
    }
    if (auto o = order_.find(key); o != order_.end()) {
      ord = o->second;
      p = inst_.orders[static_cast<size_t>(ord)].dropoff;
      return true;
    }
    return false;
  }

  double Travel(const Point& a, const Point& b) const {
    return std::ceil(std::hypot(a.x - b.x, a.y - b.y) / inst_.parameters.metres_per_minute - 1e-9);
  }

  // Checks 3-8: replay every courier's moves.
  void ReplayMoves() {
    std::map<int, std::vector<std::vector<std::string>>> moves;
    for (auto& r : ReadRows(dir_ / "solution_info_couriers.txt", report_.errors)) {
      auto c = courier_.find(r.empty() ? "" : r[0]);
      if (r.size() < 4 || c == courier_.end()) {
        Error("malformed or unknown-courier move line");
        continue;
      }
      moves[c->second].push_back(std::move(r));
    }
    const double half_pick = Min(inst_.parameters.pickup_service) / 2;
    const double half_drop = Min(inst_.parameters.dropoff_service) / 2;
    busy_.assign(inst_.couriers.size(), 0);
    for (auto& [c, list] : moves) {
      const Courier& cr = inst_.couriers[static_cast<size_t>(c)];
      std::string here = "0";
      double free_at = Min(cr.on);
      auto& q = queue_[c];
      size_t next = 0;
      std::vector<int> expected;  // check 5: drop-offs in the assignment's sequence
      for (const auto& m : list) {
        const double dep = ToMinutes(m[1]);
        if (m[2] != here) Error("courier " + cr.id + " departs from " + m[2] + " but is at " + here);
        if (dep + kEps < free_at) Error("courier " + cr.id + " departs " + m[2] + " before it is free");
        Point a, b;
        int ra, oa, rb, ob;
        if (!Locate(c, m[2], a, ra, oa) || !Locate(c, m[3], b, rb, ob)) {
          Error("courier " + cr.id + " moves between unknown places");
          break;
        }
        const double drive = Travel(a, b);
        const double arrive = dep + drive;
        busy_[static_cast<size_t>(c)] += drive;
        if (rb >= 0) {
          const bool is_pickup = next < q.size() &&
                                 inst_.orders[static_cast<size_t>(q[next].orders.front())].restaurant == rb &&
                                 arrive <= q[next].pickup + kEps;
          if (is_pickup) {
            const Pending& p = q[next++];
            if (dep + kEps < p.assigned) Error("courier " + cr.id + " leaves before its assignment");
            if (p.pickup + kEps < arrive + half_pick) Error("courier " + cr.id + " picks up before arriving");
            if (p.pickup > Min(cr.off) + kEps) Error("courier " + cr.id + " picks up after its off-time");
            for (int o : p.orders) {
              if (p.pickup + kEps < Min(inst_.orders[static_cast<size_t>(o)].ready)) {
                Error("order " + Oid(o) + " picked up before it is ready");
              }
              auto d = delivered_.find(o);
              if (d != delivered_.end()) {
                d->second.picked = true;
                if (std::abs(d->second.pickup - p.pickup) > kEps)
                  Error("order " + Oid(o) + " pickup time mismatch");
              }
            }
            if (!expected.empty())
              Error("courier " + cr.id + " picks up before finishing its previous bundle");
            expected.assign(p.orders.rbegin(), p.orders.rend());
            free_at = p.pickup + half_pick;
            busy_[static_cast<size_t>(c)] += 2 * half_pick;
          } else {
            free_at = arrive;  // prepositioning
          }
        } else if (ob >= 0) {
          auto d = delivered_.find(ob);
          if (d == delivered_.end() || d->second.courier != c) {
            Error("courier " + cr.id + " drives to customer " + m[3] + " it does not deliver");
            free_at = arrive;
          } else {
            if (!d->second.picked) Error("order " + m[3] + " dropped before it was picked up");
            if (expected.empty() || expected.back() != ob) {
              Error("order " + m[3] + " dropped out of the assignment's sequence");
            } else {
              expected.pop_back();
            }
            if (std::abs(d->second.dropoff - (arrive + half_drop)) > kEps) {
              Error("order " + m[3] + " drop-off time inconsistent with arrival");
            }
            free_at = d->second.dropoff + half_drop;
            busy_[static_cast<size_t>(c)] += 2 * half_drop;
          }
        } else {
          Error("courier " + cr.id + " moves to its on-location");
        }
        here = m[3];
      }
    }
  }

  Metrics ComputeMetrics() const {
    Metrics m;
    m.orders = static_cast<int>(inst_.orders.size());
    m.delivered = static_cast<int>(delivered_.size());
    m.undelivered_pct = m.orders ? 100.0 * (1.0 - static_cast<double>(m.delivered) / m.orders) : 0;
    std::vector<double> c2d, r2p, r2d;
    std::vector<int> per_courier(inst_.couriers.size(), 0);
    for (const auto& [o, d] : delivered_) {
      const Order& ord = inst_.orders[static_cast<size_t>(o)];
      c2d.push_back(d.dropoff - Min(ord.placed));
      r2p.push_back(d.pickup - Min(ord.ready));
      r2d.push_back(d.dropoff - Min(ord.ready));
      ++per_courier[static_cast<size_t>(d.courier)];
      m.over_max_click_to_door += c2d.back() > Min(inst_.parameters.max_click_to_door) + kEps ? 1 : 0;
    }
    auto mean = [](const std::vector<double>& v) {
      return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    };
    m.click_to_door_mean = mean(c2d);
    m.click_to_door_p90 = Percentile(c2d, 0.9);
    m.ready_to_pickup_mean = mean(r2p);
    m.ready_to_door_mean = mean(r2d);
    double pay = 0;
    int on_guarantee = 0;
    std::vector<double> util;
    for (size_t c = 0; c < inst_.couriers.size(); ++c) {
      const Courier& cr = inst_.couriers[c];
      const double minutes = Min(cr.off - cr.on);
      const double earned = inst_.parameters.pay_per_order * per_courier[c];
      const double guaranteed = inst_.parameters.pay_per_hour * minutes / 60.0;
      pay += std::max(earned, guaranteed);
      on_guarantee += guaranteed > earned ? 1 : 0;
      if (minutes > 0) util.push_back(std::min(1.0, busy_[c] / minutes));
    }
    m.cost_per_order = m.delivered ? pay / m.delivered : 0;
    m.couriers_on_guarantee_pct = inst_.couriers.empty() ? 0 : 100.0 * on_guarantee / inst_.couriers.size();
    m.utilization_mean = mean(util);
    std::vector<double> sizes(bundle_sizes_.begin(), bundle_sizes_.end());
    m.orders_per_bundle = mean(sizes);
    return m;
  }

  const Instance& inst_;
  std::filesystem::path dir_;
  std::unordered_map<std::string, int> rest_, order_, courier_;
  std::unordered_map<int, int> assigned_courier_;
  std::map<int, std::vector<Pending>> queue_;
  std::map<int, Delivery> delivered_;
  std::vector<int> bundle_sizes_;
  std::vector<double> busy_;
  CheckReport report_;
};

}  // namespace

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double k = static_cast<double>(v.size() - 1) * q;
  const auto lo = static_cast<size_t>(std::floor(k)), hi = static_cast<size_t>(std::ceil(k));
  return v[lo] + (v[hi] - v[lo]) * (k - static_cast<double>(lo));
}

CheckReport CheckSolution(const Instance& instance, const std::filesystem::path& solution_dir) {
  return Checker(instance, solution_dir).Run();
}

}  // namespace hotpath::dispatch::mdrp
