#include "simulate/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hotpath::simulate {
namespace bj = boost::json;

double Mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

namespace {
double Round1(double x) { return std::round(x * 10) / 10; }
int ErrorTotal(const Summary& s) {
  int n = 0;
  for (const auto& [_, c] : s.errors) n += c;
  return n;
}
}  // namespace

bj::object SummaryJson(const Summary& s) {
  bj::object errors;
  for (const auto& [kind, n] : s.errors) errors[kind] = n;
  bj::object samples;
  for (const auto& [kind, text] : s.error_samples) samples[kind] = text;
  bj::object o{{"mode", s.mode},
               {"speedup", s.speedup},
               {"real_seconds", Round1(s.real_seconds)},
               {"sim_minutes", Round1(s.sim_minutes)},
               {"stopped_because", s.stopped_because},
               {"customers", s.customers},
               {"restaurants", s.restaurants},
               {"riders", s.riders},
               {"orders", bj::object{{"placed", s.placed},
                                     {"delivered", s.delivered},
                                     {"cancelled", s.cancelled},
                                     {"cancelled_at_stop", s.cancelled_at_stop},
                                     {"rejected", s.rejected},
                                     {"declined", s.declined},
                                     {"placed_on_quote", s.placed_on_quote},
                                     {"open", s.open()}}},
               {"offers_accepted", s.offers_accepted},
               {"fixes_sent", s.fixes_sent},
               {"click_to_door_min", bj::object{{"count", s.click_to_door_min.size()},
                                                {"mean", Round1(Mean(s.click_to_door_min))},
                                                {"p90", Round1(Percentile(s.click_to_door_min, 0.9))}}},
               {"errors", bj::object{{"total", ErrorTotal(s)}, {"by_kind", std::move(errors)}, {"first", std::move(samples)}}}};
  if (!s.instance.empty()) o["instance"] = s.instance;
  return o;
}

std::string ClockText(double sim_clock_s) {
  auto total_min = static_cast<long>(std::floor(sim_clock_s / 60));
  long day = total_min / (24 * 60);
  long minute = total_min % (24 * 60);
  if (day == 0) return fmt::format("{:02}:{:02}", minute / 60, minute % 60);
  return fmt::format("d{} {:02}:{:02}", day, minute / 60, minute % 60);
}

std::string ProgressLine(const Summary& s, double sim_clock_s) {
  return fmt::format("sim {} ({:.0f}x, {:.0f} s) | placed {} delivered {} cancelled {} rejected {} open {} | "
                     "click-to-door mean {:.1f} min | errors {}",
                     ClockText(sim_clock_s), s.speedup, s.real_seconds, s.placed, s.delivered, s.cancelled,
                     s.rejected, s.open(), Mean(s.click_to_door_min), ErrorTotal(s));
}

std::string SummaryText(const Summary& s) {
  std::string out = fmt::format("simulation ({}{}) stopped: {}\n", s.mode,
                                s.instance.empty() ? "" : " " + s.instance, s.stopped_because);
  out += fmt::format("  ran {:.1f} s real = {:.1f} simulated minutes at {:.0f}x\n", s.real_seconds, s.sim_minutes,
                     s.speedup);
  out += fmt::format("  actors: {} customers, {} restaurants, {} riders\n", s.customers, s.restaurants, s.riders);
  out += fmt::format("  orders: {} placed, {} delivered, {} cancelled ({} of them when the run stopped), {} rejected, "
                     "{} declined, {} still open\n",
                     s.placed, s.delivered, s.cancelled, s.cancelled_at_stop, s.rejected, s.declined, s.open());
  out += fmt::format("  click-to-door (simulated): mean {:.1f} min, p90 {:.1f} min over {} deliveries\n",
                     Mean(s.click_to_door_min), Percentile(s.click_to_door_min, 0.9), s.click_to_door_min.size());
  out += fmt::format("  offers accepted {}, location fixes sent {}\n", s.offers_accepted, s.fixes_sent);
  out += fmt::format("  errors: {}\n", ErrorTotal(s));
  for (const auto& [kind, n] : s.errors) {
    out += fmt::format("    {:>5}  {}\n", n, kind);
    if (auto it = s.error_samples.find(kind); it != s.error_samples.end()) out += fmt::format("           first: {}\n", it->second);
  }
  return out;
}

}  // namespace hotpath::simulate
