#include "cluster/autoscale_policy.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

namespace hotpath::cluster {

const char* ActionName(Decision::Action a) {
  switch (a) {
    case Decision::Action::kScaleOut: return "scale_out";
    case Decision::Action::kScaleIn: return "scale_in";
    case Decision::Action::kHold: break;
  }
  return "hold";
}

namespace {

bool Within(const std::optional<std::int64_t>& last, std::int64_t now, std::int64_t cooldown) {
  return last && now - *last < cooldown;
}

void Loads(const AutoscalePolicy& p, const std::vector<ProcessSample>& samples, Decision& d) {
  double cpu = 0, in_flight = 0, p95 = 0;
  int with_p95 = 0;
  for (const auto& s : samples) {
    cpu += s.cpu / p.target_cpu;
    in_flight += s.in_flight / p.target_in_flight;
    if (s.p95_s) {
      p95 += *s.p95_s / p.target_p95_s;
      ++with_p95;
    }
  }
  auto n = static_cast<double>(samples.size());
  d.cpu_load = cpu / n;
  d.in_flight_load = in_flight / n;
  d.p95_load = with_p95 ? p95 / with_p95 : 0;
  d.load = d.cpu_load;
  d.signal = "cpu";
  if (d.in_flight_load > d.load) d.load = d.in_flight_load, d.signal = "in_flight";
  if (d.p95_load > d.load) d.load = d.p95_load, d.signal = "p95";
}

}  // namespace

Decision Decide(const AutoscalePolicy& p, const ScalingHistory& h, int current,
                const std::vector<ProcessSample>& samples, std::int64_t now) {
  Decision d;
  d.current = current;
  d.desired = current;
  if (current < p.min) {
    d.action = Decision::Action::kScaleOut;
    d.desired = p.min;
    d.reason = fmt::format("below the minimum of {}", p.min);
    return d;
  }
  if (current > p.max) {
    d.action = Decision::Action::kScaleIn;
    d.desired = p.max;
    d.reason = fmt::format("above the maximum of {}", p.max);
    return d;
  }
  if (samples.empty()) {
    d.reason = "no samples";
    return d;
  }
  Loads(p, samples, d);
  if (d.load > 1.0) {
    if (current >= p.max) {
      d.reason = fmt::format("{} load {:.2f} over target, already at the maximum of {}", d.signal, d.load, p.max);
    } else if (Within(h.last_scale_out_ms, now, p.scale_out_cooldown_ms)) {
      d.reason = fmt::format("{} load {:.2f} over target, in scale-out cooldown", d.signal, d.load);
    } else {
      d.action = Decision::Action::kScaleOut;
      d.desired = std::min(p.max, current + p.scale_out_step);
      d.reason = fmt::format("{} load {:.2f} over target", d.signal, d.load);
    }
    return d;
  }
  if (d.load < p.scale_in_below && current > p.min) {
    int desired = std::max(p.min, current - p.scale_in_step);
    double projected = d.load * current / desired;
    if (Within(h.last_scale_in_ms, now, p.scale_in_cooldown_ms) ||
        Within(h.last_scale_out_ms, now, p.scale_in_cooldown_ms)) {
      d.reason = fmt::format("{} load {:.2f} under {:.2f}, in scale-in cooldown", d.signal, d.load, p.scale_in_below);
    } else if (projected > 1.0) {
      d.reason = fmt::format("{} load {:.2f} would be {:.2f} on {} processes", d.signal, d.load, projected, desired);
    } else {
      d.action = Decision::Action::kScaleIn;
      d.desired = desired;
      d.reason = fmt::format("{} load {:.2f} under {:.2f}", d.signal, d.load, p.scale_in_below);
    }
    return d;
  }
  d.reason = fmt::format("{} load {:.2f} within bounds", d.signal, d.load);
  return d;
}

void AutoscaleState::Record(const Decision& d, std::int64_t at_ms, int processes_after) {
  updated_ms = at_ms;
  processes = processes_after;
  last = d;
  switch (d.action) {
    case Decision::Action::kHold: ++holds; return;
    case Decision::Action::kScaleOut: ++scale_outs; break;
    case Decision::Action::kScaleIn: ++scale_ins; break;
  }
  recent.push_front({at_ms, d});
  if (recent.size() > kRecent) recent.pop_back();
}

namespace {
boost::json::object DecisionJson(const Decision& d) {
  auto r3 = [](double v) { return std::round(v * 1000) / 1000; };
  return boost::json::object{{"action", ActionName(d.action)},
                             {"current", d.current},
                             {"desired", d.desired},
                             {"signal", d.signal},
                             {"load", r3(d.load)},
                             {"loads", boost::json::object{{"cpu", r3(d.cpu_load)},
                                                           {"in_flight", r3(d.in_flight_load)},
                                                           {"p95", r3(d.p95_load)}}},
                             {"reason", d.reason}};
}
}  // namespace

std::string AutoscaleState::ToJson() const {
  boost::json::array rec;
  for (const auto& e : recent) {
    auto o = DecisionJson(e.decision);
    o["at_ms"] = e.at_ms;
    rec.push_back(std::move(o));
  }
  return boost::json::serialize(boost::json::object{
      {"updated_ms", updated_ms},
      {"interval_ms", interval_ms},
      {"processes", processes},
      {"min_processes", min},
      {"max_processes", max},
      {"last", DecisionJson(last)},
      {"decisions_total", boost::json::object{{"hold", holds}, {"scale_out", scale_outs}, {"scale_in", scale_ins}}},
      {"recent", std::move(rec)}});
}

}  // namespace hotpath::cluster
