// `hotpath staffing evaluate`: original couriers vs a staffing plan, both replayed by the dispatch engine.
#include "staffsim/cli.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include "forecast/cli_args.h"
#include "staffsim/evaluate.h"

namespace hotpath::staffsim {
namespace {

namespace fs = std::filesystem;
using forecast::ErrorCode;
using forecast::MakeError;

constexpr const char* kUsage =
    "usage: hotpath staffing evaluate INSTANCE_DIR... [--forecast schedule|oracle] [--reference DIR]...\n"
    "         [--level schedule-hours|forecast] [--hours-share 0.97[,1,...]] [--utilisation 0.54[,0.6,...]]\n"
    "         [--orders-per-courier-hour 3.06] [--service-level 0.5] [--load-bands 3] [--peak-exponent 0]\n"
    "         [--min-couriers 0] [--shift-starts 0-23] [--shift-lengths 2,3,4] [--lag-minutes 20]\n"
    "         [--slot-minutes 30|60] [--reference-days tuning|earlier] [--positions restaurants|couriers]\n"
    "         [--seed 1] [--seeds 3] [--out DIR] [--json] [--quiet]\n"
    "  Replays each MDRP day with its original couriers and with couriers from a staffing plan, and\n"
    "  compares them. --forecast schedule (default) forecasts from the day's published schedule and the\n"
    "  orders per scheduled courier-hour of the reference days (default: the [012]*s1* siblings of each\n"
    "  instance; --reference-days earlier: the s1 siblings of every earlier base day), per class of hour\n"
    "  (--load-bands); a reference of the evaluated day's own base day is never used. --forecast oracle\n"
    "  uses the day's actual orders (an upper bound, not a forecast). --level schedule-hours (default)\n"
    "  spends --hours-share x the published schedule's courier-hours, placed by the forecast's shape, in\n"
    "  shifts starting on the half hour (--slot-minutes 30) or the hour (60); --level forecast sizes the\n"
    "  plan from the forecast and --utilisation. Several shares or utilisations print the trade-off\n"
    "  curve. The defaults are the settings tuned on days 0-2 (docs/forecast.md).\n"
    "  Both schedules are replayed with --seeds K engine seeds (--seed .. --seed+K-1; the plan's start\n"
    "  positions use --seed). Two verdicts: strict (the first seed's replays, every metric <= the\n"
    "  original's) and seed spread (per metric, the plan's mean over the seeds <= the original's mean\n"
    "  plus the original's own range over its seeds on that instance).\n";

struct Config {
  std::vector<std::string> instances;
  std::vector<std::string> references;
  bool earlier_references = false;  // --reference-days earlier
  bool oracle = false;
  // schedule-hours: the plan spends a share of the published schedule's courier-hours (`sweep` holds
  // the shares); forecast: the plan is sized by the forecast at a target utilisation (`sweep` holds
  // the utilisations).
  bool schedule_hours = true;
  std::vector<double> sweep;
  int load_bands = 3;
  PlannerSettings planner;
  std::uint64_t seed = 1;
  int seeds = 3;  // engine seeds seed .. seed + seeds - 1 for both schedules
  fs::path out;
  bool json = false;
  bool quiet = false;
};

struct UsageError {
  std::string message;
};

int Usage(const std::string& why) {
  std::cerr << "hotpath staffing evaluate: " << why << "\n" << kUsage;
  return 2;
}

int Fail(const std::string& why) {
  std::cerr << "hotpath staffing evaluate: " << why << "\n";
  return 1;
}

std::optional<std::vector<double>> DoubleList(const std::string& text, double lo, double hi) {
  std::vector<double> out;
  for (const auto& item : forecast::SplitList(text)) {
    std::istringstream in(item);
    double v = 0;
    if (!(in >> v) || !in.eof() || v < lo || v > hi) return std::nullopt;
    out.push_back(v);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Positional instance dirs and repeated --reference are taken here; every other flag goes to Args.
std::variant<Config, UsageError> Parse(const std::vector<std::string>& words) {
  static const std::set<std::string> kValued = {
      "forecast",     "orders-per-courier-hour", "utilisation", "service-level", "min-couriers",
      "shift-starts", "shift-lengths",           "lag-minutes", "positions",     "seed",
      "out",          "level",                   "hours-share", "load-bands",    "peak-exponent",
      "reference-days", "slot-minutes", "seeds"};
  Config c;
  std::vector<std::string> flags;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.starts_with("--reference=")) {
      c.references.push_back(w.substr(12));
    } else if (w == "--reference") {
      if (i + 1 >= words.size()) return UsageError{"--reference needs a value"};
      c.references.push_back(words[++i]);
    } else if (!w.starts_with("--")) {
      c.instances.push_back(w);
    } else {
      flags.push_back(w);
      if (kValued.count(w.substr(2)) && i + 1 < words.size()) flags.push_back(words[++i]);
    }
  }
  auto args = forecast::Args::Parse(flags, kValued, {"json", "quiet"});
  if (!args.ok()) return UsageError{args.error().message};
  if (c.instances.empty()) return UsageError{"give at least one INSTANCE_DIR"};
  const std::string fc = args->Get("forecast").value_or("schedule");
  if (fc != "schedule" && fc != "oracle")
    return UsageError{"--forecast must be schedule or oracle, got '" + fc + "'"};
  c.oracle = fc == "oracle";
  const std::string rd = args->Get("reference-days").value_or("tuning");
  if (rd != "tuning" && rd != "earlier")
    return UsageError{"--reference-days must be tuning or earlier, got '" + rd + "'"};
  c.earlier_references = rd == "earlier";
  auto& p = c.planner;
  auto oph = args->Double("orders-per-courier-hour", 3.06, 0.01, 1000);
  auto sl = args->Double("service-level", 0.5, 0.1, 0.9);
  auto minc = args->Int("min-couriers", 0, 0, 100000);
  auto lag = args->Double("lag-minutes", 20, 0, 60);
  auto seed = args->Int("seed", 1, 0, 1 << 30);
  auto starts = args->IntList("shift-starts");
  auto lengths = args->IntList("shift-lengths");
  auto bands = args->Int("load-bands", 3, 0, 20);
  auto peak = args->Double("peak-exponent", 0, -2, 2);
  auto slot = args->Int("slot-minutes", 30, 30, 60);
  auto seeds = args->Int("seeds", 3, 1, 20);
  for (const forecast::Error* e :
       {oph.ok() ? nullptr : &oph.error(), sl.ok() ? nullptr : &sl.error(),
        minc.ok() ? nullptr : &minc.error(), lag.ok() ? nullptr : &lag.error(),
        seed.ok() ? nullptr : &seed.error(), starts.ok() ? nullptr : &starts.error(),
        lengths.ok() ? nullptr : &lengths.error(), bands.ok() ? nullptr : &bands.error(),
        peak.ok() ? nullptr : &peak.error(), slot.ok() ? nullptr : &slot.error(),
        seeds.ok() ? nullptr : &seeds.error()}) {
    if (e != nullptr) return UsageError{e->message};
  }
  for (int s : *starts) {
    if (s < 0 || s > 23) return UsageError{"--shift-starts: hours are 0-23"};
  }
  for (int l : *lengths) {
    if (l < 1 || l > 24) return UsageError{"--shift-lengths: lengths are 1-24 hours"};
  }
  const std::string level = args->Get("level").value_or("schedule-hours");
  if (level != "schedule-hours" && level != "forecast")
    return UsageError{"--level must be schedule-hours or forecast, got '" + level + "'"};
  c.schedule_hours = level == "schedule-hours";
  if (c.schedule_hours) {
    if (args->Get("utilisation"))
      return UsageError{"--utilisation sizes --level forecast; --level schedule-hours takes --hours-share"};
    const auto shares = DoubleList(args->Get("hours-share").value_or("0.97"), 0.01, 10.0);
    if (!shares) return UsageError{"--hours-share expects numbers in (0, 10], comma-separated"};
    c.sweep = *shares;
    p.staffing.target_utilisation = 1;  // the budget sets the level; u / scale is reported
  } else {
    if (args->Get("hours-share")) return UsageError{"--hours-share needs --level schedule-hours"};
    const auto utils = DoubleList(args->Get("utilisation").value_or("0.54"), 0.01, 1.0);
    if (!utils) return UsageError{"--utilisation expects numbers in (0, 1], comma-separated"};
    c.sweep = *utils;
  }
  c.load_bands = *bands;
  p.peak_exponent = *peak;
  if (*slot != 60 && *slot != 30) return UsageError{"--slot-minutes is 60 or 30"};
  if (*slot != 60 && !starts->empty())
    return UsageError{"--shift-starts restricts hourly plans: give --slot-minutes 60 with it"};
  p.slot_minutes = *slot;
  p.staffing.orders_per_courier_hour = *oph;
  p.staffing.service_level = *sl;
  p.staffing.min_couriers = *minc;
  p.lag_minutes = *lag;
  p.shift_starts = *starts;
  if (!lengths->empty()) p.shift_lengths = *lengths;
  const std::string pos = args->Get("positions").value_or("restaurants");
  if (pos != "couriers" && pos != "restaurants")
    return UsageError{"--positions must be couriers or restaurants, got '" + pos + "'"};
  p.positions = pos == "couriers" ? StartPositions::kScheduleOnLocations : StartPositions::kRestaurants;
  c.seed = static_cast<std::uint64_t>(*seed);
  c.seeds = *seeds;
  p.seed = c.seed;
  c.out = args->Get("out") ? fs::path(*args->Get("out"))
                           : fs::temp_directory_path() / "hotpath-staffing-evaluate";
  c.json = args->Has("json");
  c.quiet = args->Has("quiet");
  return c;
}

Result<dispatch::mdrp::Instance> Load(const std::string& dir) {
  auto loaded = dispatch::mdrp::LoadInstance(dir);
  if (auto* e = std::get_if<dispatch::mdrp::LoadError>(&loaded))
    return MakeError(ErrorCode::kParse, "malformed instance: " + e->ToString());
  return std::get<dispatch::mdrp::Instance>(std::move(loaded));
}

// The s1 siblings of the instance in `dir` whose base day passes `keep`.
std::vector<std::string> Siblings(const std::string& dir, const std::function<bool(int)>& keep) {
  std::vector<std::string> paths;
  const fs::path parent = fs::absolute(fs::path(dir)).lexically_normal().parent_path();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    const std::string base = BaseDay(name);
    if (e.is_directory() && !base.empty() && name.find("s1") != std::string::npos && keep(std::stoi(base)))
      paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Reference days for the instance in `dir`: the explicit ones; else with `earlier` its s1 siblings of
// the base days before it (the history a platform would have had; base day 0 has none and falls back);
// else its [012]*s1* siblings. Never one of the same base day (that would be the day's own orders).
Result<ScheduleCalibration> Calibrate(const std::string& dir, const std::string& day,
                                      const std::vector<std::string>& explicit_refs, bool earlier,
                                      int load_bands) {
  std::vector<std::string> paths = explicit_refs;
  const int d = day.empty() ? -1 : std::stoi(day);
  if (paths.empty() && earlier) paths = Siblings(dir, [d](int b) { return b < d; });
  if (paths.empty()) paths = Siblings(dir, [](int b) { return b <= 2; });
  std::vector<dispatch::mdrp::Instance> refs;
  for (const auto& p : paths) {
    auto inst = Load(p);
    if (!inst.ok()) return inst.error();
    if (BaseDay(inst->name) == day) continue;
    refs.push_back(std::move(*inst));
  }
  if (refs.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no reference day other than base day " + day +
                                                      " for the schedule forecast (give --reference)");
  }
  return CalibrateSchedule(refs, load_bands);
}

void PrintRow(const std::string& instance, const std::string& label, const RunOutcome& r,
              const std::string& verdict) {
  const auto& m = r.metrics;
  std::printf("%-18s %-16s %9.1f %7.2f %8.2f %8.2f %7.2f %9.2f  %s\n", instance.c_str(), label.c_str(),
              r.courier_hours, m.undelivered_pct, m.click_to_door_mean, m.click_to_door_p90,
              m.ready_to_pickup_mean, m.cost_per_order, verdict.c_str());
}

std::string MetricsJson(const RunOutcome& r) {
  const auto& m = r.metrics;
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "{\"courier_hours\":%.3f,\"couriers\":%d,\"feasible\":%s,\"delivered\":%d,\"undelivered_pct\":%.3f,"
      "\"click_to_door_mean\":%.3f,\"click_to_door_p90\":%.3f,\"ready_to_pickup_mean\":%.3f,"
      "\"cost_per_order\":%.3f,\"utilization_mean\":%.3f}",
      r.courier_hours, r.couriers, r.feasible() ? "true" : "false", m.delivered, m.undelivered_pct,
      m.click_to_door_mean, m.click_to_door_p90, m.ready_to_pickup_mean, m.cost_per_order,
      m.utilization_mean);
  return buf;
}

std::string RangeJson(const SeedSummary& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"undelivered_pct\":%.3f,\"click_to_door_mean\":%.3f,\"click_to_door_p90\":%.3f,"
                "\"ready_to_pickup_mean\":%.3f}",
                s.undelivered_pct_range, s.click_to_door_mean_range, s.click_to_door_p90_range,
                s.ready_to_pickup_range);
  return buf;
}

std::string PerSeedJson(const std::vector<RunOutcome>& runs) {
  std::string out = "[";
  for (size_t k = 0; k < runs.size(); ++k) out += (k ? "," : "") + MetricsJson(runs[k]);
  return out + "]";
}

struct Sums {
  int n = 0, holds = 0, fewer = 0, no_worse = 0;
  double v[6] = {};
  void Add(const RunOutcome& r) {
    const auto& m = r.metrics;
    const double x[6] = {r.courier_hours,     m.undelivered_pct,      m.click_to_door_mean,
                         m.click_to_door_p90, m.ready_to_pickup_mean, m.cost_per_order};
    for (int k = 0; k < 6; ++k) v[k] += x[k];
    ++n;
  }
  void Count(const Verdict& verdict) {
    fewer += verdict.fewer_or_equal_hours;
    no_worse += verdict.no_worse;
    holds += verdict.holds();
  }
};

// "seeds 1-3" (or "seed 1" with one seed).
std::string SeedsLabel(const Config& c) {
  char buf[64];
  if (c.seeds == 1) {
    std::snprintf(buf, sizeof buf, "seed %llu", static_cast<unsigned long long>(c.seed));
  } else {
    std::snprintf(buf, sizeof buf, "seeds %llu-%llu", static_cast<unsigned long long>(c.seed),
                  static_cast<unsigned long long>(c.seed + c.seeds - 1));
  }
  return buf;
}

// The strict rows (the first engine seed's replays) and, with more than one seed, the seed-spread rows
// (means over the seeds; the verdict counts of the spread rule).
void PrintSummary(const Config& c, const Sums& original, const std::vector<Sums>& planned,
                  const Sums& original_mean, const std::vector<Sums>& planned_mean) {
  std::printf(
      "\n| staffing (mean over %d instances) | courier-h | undelivered %% | c2d mean | c2d p90 | "
      "ready-to-pickup "
      "| "
      "cost/order | fewer-or-equal hours | no worse | both |\n|---|---|---|---|---|---|---|---|---|---|\n",
      original.n);
  auto line = [&](const std::string& label, const Sums& s, bool verdicts) {
    const double n = s.n ? s.n : 1;
    std::printf("| %s | %.1f | %.3f | %.2f | %.2f | %.2f | %.2f |", label.c_str(), s.v[0] / n, s.v[1] / n,
                s.v[2] / n, s.v[3] / n, s.v[4] / n, s.v[5] / n);
    if (verdicts)
      std::printf(" %d/%d | %d/%d | %d/%d |\n", s.fewer, s.n, s.no_worse, s.n, s.holds, s.n);
    else
      std::printf(" | | |\n");
  };
  auto plan_label = [&](size_t u) {
    char label[128];
    if (c.schedule_hours) {
      std::snprintf(label, sizeof label, "planned (%s shape, %.2f x schedule hours)",
                    c.oracle ? "oracle" : "schedule forecast", c.sweep[u]);
    } else {
      std::snprintf(label, sizeof label, "planned (%s, u=%.2f)", c.oracle ? "oracle" : "schedule forecast",
                    c.sweep[u]);
    }
    return std::string(label);
  };
  const std::string first = "engine seed " + std::to_string(c.seed);
  line("original couriers (" + first + ")", original, false);
  for (size_t u = 0; u < planned.size(); ++u)
    line(plan_label(u) + ", strict: " + first + ", every metric <= the original's", planned[u], true);
  if (c.seeds > 1) {
    const std::string seeds = SeedsLabel(c);
    line("original couriers (mean of engine " + seeds + ")", original_mean, false);
    for (size_t u = 0; u < planned_mean.size(); ++u)
      line(plan_label(u) + ", seed spread: mean of " + seeds + " <= the original's mean + its seed range",
           planned_mean[u], true);
  }
}

int Run(const Config& c) {
  std::map<std::string, ScheduleCalibration> calibrations;
  Sums original_sum, original_mean_sum;
  std::vector<Sums> planned_sum(c.sweep.size()), planned_mean_sum(c.sweep.size());
  int infeasible = 0;
  const std::string seeds_label = SeedsLabel(c);
  if (!c.json) {
    std::printf("%-18s %-16s %9s %7s %8s %8s %7s %9s  %s\n", "instance", "couriers", "courier-h", "undel%",
                "c2d", "c2d p90", "r2p", "cost/ord", "verdict");
  }
  // Replays `day` with every engine seed; the first seed's solution goes to dir / sub, the others' to
  // dir / (sub + "-seedN").
  auto replay_seeds = [&](const dispatch::mdrp::Instance& day, const fs::path& dir, const std::string& sub,
                          bool write_instance) -> Result<std::vector<RunOutcome>> {
    std::vector<RunOutcome> runs;
    for (int k = 0; k < c.seeds; ++k) {
      dispatch::mdrp::ReplayOptions replay;
      replay.engine.seed = c.seed + static_cast<std::uint64_t>(k);
      const std::string where = k == 0 ? sub : sub + "-seed" + std::to_string(c.seed + k);
      auto run = ReplayDay(day, replay, dir / where, write_instance);
      if (!run.ok()) return run.error();
      if (!run->feasible()) {
        ++infeasible;
        std::cerr << "infeasible " << where << " replay of " << day.name << ": " << run->errors.front() << "\n";
      }
      runs.push_back(std::move(*run));
    }
    return runs;
  };
  for (size_t i = 0; i < c.instances.size(); ++i) {
    auto day = Load(c.instances[i]);
    if (!day.ok()) return Fail(day.error().message);
    for (const auto& o : day->orders) {
      if (o.placed >= 24 * 3600)
        return Fail(day->name + ": order " + o.id +
                    " is placed 24 hours or more after time 0 (one day at most)");
    }
    if (!c.quiet) std::cerr << "[" << i + 1 << "/" << c.instances.size() << "] " << day->name << "\n";
    const std::string base = BaseDay(day->name);
    std::vector<QuantileForecast> placed;
    if (c.oracle) {
      placed = OracleForecast(*day);
    } else {
      if (!calibrations.count(base)) {
        auto cal = Calibrate(c.instances[i], base, c.references, c.earlier_references, c.load_bands);
        if (!cal.ok())
          return cal.error().code == ErrorCode::kInvalidArgument ? Usage(cal.error().message)
                                                                 : Fail(cal.error().message);
        calibrations[base] = *cal;
      }
      placed = ScheduleForecast(*day, calibrations[base]);
    }
    const fs::path dir = c.out / day->name;
    auto originals = replay_seeds(*day, dir, "original", false);
    if (!originals.ok()) return Fail(originals.error().message);
    auto original_mean = SummariseSeeds(*originals);
    if (!original_mean.ok()) return Fail(original_mean.error().message);
    original_sum.Add(originals->front());
    original_mean_sum.Add(original_mean->mean);
    if (!c.json) {
      PrintRow(day->name, "original", originals->front(), "");
      if (c.seeds > 1) {
        char range[160];
        std::snprintf(range, sizeof range, "seed range: undel %.2f c2d %.2f p90 %.2f r2p %.2f",
                      original_mean->undelivered_pct_range, original_mean->click_to_door_mean_range,
                      original_mean->click_to_door_p90_range, original_mean->ready_to_pickup_range);
        PrintRow("", "mean " + seeds_label.substr(seeds_label.find(' ') + 1), original_mean->mean, range);
      }
    }
    for (size_t u = 0; u < c.sweep.size(); ++u) {
      PlannerSettings settings = c.planner;
      if (c.schedule_hours) {
        settings.courier_hours_budget = c.sweep[u] * CourierHours(day->couriers);
      } else {
        settings.staffing.target_utilisation = c.sweep[u];
      }
      auto plan = PlanDay(*day, placed, settings);
      if (!plan.ok()) return Fail(day->name + ": " + plan.error().message);
      dispatch::mdrp::Instance planned_day = *day;
      planned_day.couriers = plan->couriers;
      char sub[64];
      std::snprintf(sub, sizeof sub,
                    c.sweep.size() == 1 ? "planned" : c.schedule_hours ? "planned-h%.2f" : "planned-u%.2f",
                    c.sweep[u]);
      auto planneds = replay_seeds(planned_day, dir, sub, true);
      if (!planneds.ok()) return Fail(planneds.error().message);
      auto planned_mean = SummariseSeeds(*planneds);
      if (!planned_mean.ok()) return Fail(planned_mean.error().message);
      const Verdict v = Compare(originals->front(), planneds->front());
      auto spread = CompareWithSeedSpread(*originals, *planneds);
      if (!spread.ok()) return Fail(spread.error().message);
      planned_sum[u].Add(planneds->front());
      planned_sum[u].Count(v);
      planned_mean_sum[u].Add(planned_mean->mean);
      planned_mean_sum[u].Count(*spread);
      auto verdict_text = [](const Verdict& x) {
        return x.holds() ? std::string("holds")
               : !x.fewer_or_equal_hours && x.no_worse
                   ? std::string("more hours")
                   : std::string(x.fewer_or_equal_hours ? "" : "more hours; ") + "worse: " + x.worse_on;
      };
      if (c.json) {
        // utilisation: the plan's, u / scale (with a budget, the level the forecast would need for it).
        const double utilisation = settings.staffing.target_utilisation / plan->demand_scale;
        char share[32] = "null";
        if (c.schedule_hours) std::snprintf(share, sizeof share, "%.3f", c.sweep[u]);
        std::string engine_seeds = "[";
        for (int k = 0; k < c.seeds; ++k)
          engine_seeds += (k ? "," : "") + std::to_string(c.seed + static_cast<std::uint64_t>(k));
        engine_seeds += "]";
        std::printf(
            "{\"instance\":\"%s\",\"forecast\":\"%s\",\"level\":\"%s\",\"hours_share\":%s,"
            "\"utilisation\":%.3f,\"original\":%s,\"planned\":%s,"
            "\"fewer_or_equal_hours\":%s,\"no_worse\":%s,\"worse_on\":\"%s\","
            "\"engine_seeds\":%s,\"original_mean\":%s,\"original_range\":%s,\"planned_mean\":%s,"
            "\"planned_range\":%s,\"fewer_or_equal_hours_spread\":%s,\"no_worse_spread\":%s,"
            "\"worse_on_spread\":\"%s\",\"original_per_seed\":%s,\"planned_per_seed\":%s}\n",
            day->name.c_str(), c.oracle ? "oracle" : "schedule", c.schedule_hours ? "schedule-hours" : "forecast",
            share, utilisation, MetricsJson(originals->front()).c_str(), MetricsJson(planneds->front()).c_str(),
            v.fewer_or_equal_hours ? "true" : "false", v.no_worse ? "true" : "false", v.worse_on.c_str(),
            engine_seeds.c_str(), MetricsJson(original_mean->mean).c_str(), RangeJson(*original_mean).c_str(),
            MetricsJson(planned_mean->mean).c_str(), RangeJson(*planned_mean).c_str(),
            spread->fewer_or_equal_hours ? "true" : "false", spread->no_worse ? "true" : "false",
            spread->worse_on.c_str(), PerSeedJson(*originals).c_str(), PerSeedJson(*planneds).c_str());
      } else {
        char label[32];
        std::snprintf(label, sizeof label, c.schedule_hours ? "planned h=%.2f" : "planned u=%.2f", c.sweep[u]);
        PrintRow("", label, planneds->front(), verdict_text(v));
        if (c.seeds > 1) {
          std::snprintf(label, sizeof label, c.schedule_hours ? "mean h=%.2f" : "mean u=%.2f", c.sweep[u]);
          PrintRow("", label, planned_mean->mean, "seed spread: " + verdict_text(*spread));
        }
      }
      std::fflush(stdout);
    }
  }
  if (!c.json) PrintSummary(c, original_sum, planned_sum, original_mean_sum, planned_mean_sum);
  if (infeasible > 0) return Fail(std::to_string(infeasible) + " infeasible replay(s)");
  return 0;
}

}  // namespace

int EvaluateCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "help")) {
    std::cout << kUsage;
    return 0;
  }
  auto parsed = Parse(args);
  if (auto* e = std::get_if<UsageError>(&parsed)) return Usage(e->message);
  return Run(std::get<Config>(parsed));
}

}  // namespace hotpath::staffsim
