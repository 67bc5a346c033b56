#include "forecast/staffing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace hotpath::forecast {
namespace {

// Successive-shortest-path min-cost flow (Bellman-Ford on the residual graph); graphs here are tiny.
class MinCostFlow {
 public:
  explicit MinCostFlow(int nodes) : adj_(static_cast<size_t>(nodes)) {}
  int AddArc(int from, int to, long capacity, long cost) {
    adj_[static_cast<size_t>(from)].push_back(static_cast<int>(arcs_.size()));
    arcs_.push_back({to, capacity, cost});
    adj_[static_cast<size_t>(to)].push_back(static_cast<int>(arcs_.size()));
    arcs_.push_back({from, 0, -cost});
    return static_cast<int>(arcs_.size()) - 2;
  }
  // Returns the flow sent from s to t (at most `want`).
  long Run(int s, int t, long want) {
    long sent = 0;
    const long inf = std::numeric_limits<long>::max() / 4;
    while (sent < want) {
      std::vector<long> dist(adj_.size(), inf);
      std::vector<int> via(adj_.size(), -1);
      dist[static_cast<size_t>(s)] = 0;
      for (bool changed = true; changed;) {
        changed = false;
        for (size_t u = 0; u < adj_.size(); ++u) {
          if (dist[u] == inf) continue;
          for (int a : adj_[u]) {
            const Arc& arc = arcs_[static_cast<size_t>(a)];
            if (arc.capacity > 0 && dist[u] + arc.cost < dist[static_cast<size_t>(arc.to)]) {
              dist[static_cast<size_t>(arc.to)] = dist[u] + arc.cost;
              via[static_cast<size_t>(arc.to)] = a;
              changed = true;
            }
          }
        }
      }
      if (dist[static_cast<size_t>(t)] == inf) break;
      long push = want - sent;
      for (int v = t; v != s;) {
        const int a = via[static_cast<size_t>(v)];
        push = std::min(push, arcs_[static_cast<size_t>(a)].capacity);
        v = arcs_[static_cast<size_t>(a ^ 1)].to;
      }
      for (int v = t; v != s;) {
        const int a = via[static_cast<size_t>(v)];
        arcs_[static_cast<size_t>(a)].capacity -= push;
        arcs_[static_cast<size_t>(a ^ 1)].capacity += push;
        v = arcs_[static_cast<size_t>(a ^ 1)].to;
      }
      sent += push;
    }
    return sent;
  }
  long Flow(int arc) const { return arcs_[static_cast<size_t>(arc ^ 1)].capacity; }

 private:
  struct Arc {
    int to;
    long capacity, cost;
  };
  std::vector<std::vector<int>> adj_;
  std::vector<Arc> arcs_;
};

}  // namespace

double DemandAtServiceLevel(const QuantileForecast& f, double p) {
  p = std::clamp(p, 0.1, 0.9);
  if (p <= 0.5) return f.q10 + (f.q50 - f.q10) * (p - 0.1) / 0.4;
  return f.q50 + (f.q90 - f.q50) * (p - 0.5) / 0.4;
}

Result<std::vector<HourNeed>> CouriersNeeded(const std::vector<QuantileForecast>& hourly,
                                             const StaffingParams& params) {
  if (params.orders_per_courier_hour <= 0 || params.target_utilisation <= 0 ||
      params.target_utilisation > 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "orders per courier-hour must be > 0 and utilisation in (0, 1]");
  }
  const double capacity = params.orders_per_courier_hour * params.target_utilisation;
  std::vector<HourNeed> out;
  for (const auto& f : hourly) {
    HourNeed n;
    n.hour = f.ds;
    n.demand = DemandAtServiceLevel(f, params.service_level);
    n.couriers = std::max(params.min_couriers, static_cast<int>(std::ceil(n.demand / capacity - 1e-9)));
    out.push_back(n);
  }
  return out;
}

Result<ShiftPlan> PlanShifts(const std::vector<HourNeed>& need, const std::vector<ShiftType>& types) {
  const int T = static_cast<int>(need.size());
  for (size_t i = 1; i < need.size(); ++i) {
    if (need[i].hour - need[i - 1].hour != std::chrono::hours(1)) {
      return MakeError(ErrorCode::kInvalidArgument, "staffing needs consecutive hours");
    }
  }
  for (const auto& st : types) {
    if (st.length_hours <= 0 || st.start_hour < 0 || st.start_hour > 23) {
      return MakeError(ErrorCode::kInvalidArgument, "bad shift type (start 0-23, length > 0)");
    }
  }
  // Nodes 0..T are hour boundaries, T+1 the source, T+2 the sink. A shift covering hours [a, b) is an
  // arc a -> b costing its length; surplus couriers in hour h are an arc h+1 -> h costing nothing.
  MinCostFlow flow(T + 3);
  const int src = T + 1, sink = T + 2;
  const long inf = 1L << 40;
  struct ShiftArc {
    int arc, start, length;
  };
  std::vector<ShiftArc> shift_arcs;
  std::vector<bool> coverable(static_cast<size_t>(T), false);
  for (int a = 0; a < T; ++a) {
    for (const auto& st : types) {
      if (HourOfDay(need[static_cast<size_t>(a)].hour) != st.start_hour) continue;
      const int b = std::min(T, a + st.length_hours);
      shift_arcs.push_back({flow.AddArc(a, b, inf, st.length_hours), a, st.length_hours});
      for (int h = a; h < b; ++h) coverable[static_cast<size_t>(h)] = true;
    }
  }
  for (int h = 0; h < T; ++h) {
    if (need[static_cast<size_t>(h)].couriers > 0 && !coverable[static_cast<size_t>(h)]) {
      return MakeError(ErrorCode::kInfeasible,
                       "no shift type covers " + FormatTimestamp(need[static_cast<size_t>(h)].hour));
    }
    flow.AddArc(h + 1, h, inf, 0);
  }
  long total = 0;
  for (int h = 0; h <= T; ++h) {
    const long cur = h < T ? need[static_cast<size_t>(h)].couriers : 0;
    const long prev = h > 0 ? need[static_cast<size_t>(h - 1)].couriers : 0;
    const long b = cur - prev;  // net outflow of node h
    if (b > 0) {
      flow.AddArc(src, h, b, 0);
      total += b;
    } else if (b < 0) {
      flow.AddArc(h, sink, -b, 0);
    }
  }
  if (flow.Run(src, sink, total) != total)
    return MakeError(ErrorCode::kInfeasible, "demand cannot be covered");
  ShiftPlan plan;
  plan.on_duty.assign(static_cast<size_t>(T), 0);
  for (const auto& sa : shift_arcs) {
    const long n = flow.Flow(sa.arc);
    if (n <= 0) continue;
    plan.shifts.push_back(Shift{need[static_cast<size_t>(sa.start)].hour, sa.length, static_cast<int>(n)});
    plan.courier_hours += n * sa.length;
    for (int h = sa.start; h < std::min(T, sa.start + sa.length); ++h)
      plan.on_duty[static_cast<size_t>(h)] += static_cast<int>(n);
  }
  std::sort(plan.shifts.begin(), plan.shifts.end(), [](const Shift& x, const Shift& y) {
    return std::tie(x.start, x.length_hours) < std::tie(y.start, y.length_hours);
  });
  if (!PlanCovers(plan, need)) return MakeError(ErrorCode::kInternal, "shift plan does not cover demand");
  return plan;
}

bool PlanCovers(const ShiftPlan& plan, const std::vector<HourNeed>& need) {
  std::vector<int> on(need.size(), 0);
  long hours = 0;
  for (const auto& s : plan.shifts) {
    hours += static_cast<long>(s.couriers) * s.length_hours;
    for (size_t h = 0; h < need.size(); ++h) {
      if (need[h].hour >= s.start && need[h].hour < s.start + std::chrono::hours(s.length_hours))
        on[h] += s.couriers;
    }
  }
  for (size_t h = 0; h < need.size(); ++h) {
    if (on[h] < need[h].couriers) return false;
  }
  return hours == plan.courier_hours;
}

}  // namespace hotpath::forecast
