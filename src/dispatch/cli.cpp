#include "dispatch/cli.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "dispatch/mdrp/checker.h"
#include "dispatch/mdrp/instance.h"
#include "dispatch/mdrp/replay.h"

namespace hotpath::dispatch {
namespace {

constexpr const char* kUsage =
    "usage: hotpath mdrp solve INSTANCE_DIR --out DIR [--seed S] [--set NAME=VALUE]...\n"
    "       hotpath mdrp bench INSTANCE_DIR... [--out BASE] [--seed S] [--set NAME=VALUE]...\n"
    "  --set tunes the engine: commit_lead_s, freshness_weight, lateness_weight, courier_time_weight,\n"
    "        discount_after_shift (0/1), unassigned_cost, age_weight, bundle_ready_spread_s, max_bundle_size,\n"
    "        candidates_per_bundle, local_search_passes, freed_courier_credit, money_weight, epoch_s,\n"
    "        planning_horizon_s, schedule_lookahead_s, scarcity_low, scarcity_high,\n"
    "        scarce_courier_time_weight, scarce_bundle_ready_spread_s, scarcity_horizon_s,\n"
    "        approach_estimate_s, reposition (0/1), demand_window_s, demand_prior,\n"
    "        reposition_min_shift_left_s, reposition_max_hop_s, reposition_lookahead_s, reposition_min_gain\n";

int Usage(const std::string& why) {
  std::cerr << "hotpath mdrp: " << why << "\n" << kUsage;
  return 2;
}

struct Args {
  std::string command;
  std::vector<std::string> dirs;
  std::optional<std::string> out;
  mdrp::ReplayOptions replay;
};

bool ApplySet(const std::string& kv, mdrp::ReplayOptions& r, std::string& err) {
  const auto eq = kv.find('=');
  if (eq == std::string::npos) {
    err = "--set expects NAME=VALUE, got '" + kv + "'";
    return false;
  }
  const std::string name = kv.substr(0, eq);
  double v = 0;
  std::istringstream in(kv.substr(eq + 1));
  if (!(in >> v) || !in.eof()) {
    err = "--set " + name + ": value is not a number";
    return false;
  }
  auto& e = r.engine;
  if (name == "commit_lead_s")
    e.commit_lead = static_cast<Seconds>(v);
  else if (name == "freshness_weight")
    e.freshness_weight = v;
  else if (name == "lateness_weight")
    e.lateness_weight = v;
  else if (name == "courier_time_weight")
    e.courier_time_weight = v;
  else if (name == "unassigned_cost")
    e.unassigned_cost = v;
  else if (name == "age_weight")
    e.age_weight = v;
  else if (name == "bundle_ready_spread_s")
    e.bundle_ready_spread = static_cast<Seconds>(v);
  else if (name == "max_bundle_size")
    e.max_bundle_size = static_cast<int>(v);
  else if (name == "candidates_per_bundle")
    e.candidates_per_bundle = static_cast<int>(v);
  else if (name == "local_search_passes")
    e.local_search_passes = static_cast<int>(v);
  else if (name == "discount_after_shift")
    e.discount_after_shift = v != 0;
  else if (name == "money_weight")
    r.money_weight = v;
  else if (name == "schedule_lookahead_s")
    r.schedule_lookahead = static_cast<Seconds>(v);
  else if (name == "freed_courier_credit")
    e.freed_courier_credit = v;
  else if (name == "planning_horizon_s")
    e.planning_horizon = static_cast<Seconds>(v);
  else if (name == "scarcity_low")
    e.scarcity_low = v;
  else if (name == "scarcity_high")
    e.scarcity_high = v;
  else if (name == "scarce_courier_time_weight")
    e.scarce_courier_time_weight = v;
  else if (name == "scarce_bundle_ready_spread_s")
    e.scarce_bundle_ready_spread = static_cast<Seconds>(v);
  else if (name == "scarcity_horizon_s")
    e.scarcity_horizon = static_cast<Seconds>(v);
  else if (name == "approach_estimate_s")
    e.approach_estimate = static_cast<Seconds>(v);
  else if (name == "reposition")
    r.reposition = v != 0;
  else if (name == "demand_window_s")
    r.demand_window = static_cast<Seconds>(v);
  else if (name == "demand_prior")
    r.demand_prior = v;
  else if (name == "reposition_min_shift_left_s")
    r.reposition_min_shift_left = static_cast<Seconds>(v);
  else if (name == "reposition_max_hop_s")
    r.repositioning.max_hop = static_cast<Seconds>(v);
  else if (name == "reposition_lookahead_s")
    r.repositioning.lookahead = static_cast<Seconds>(v);
  else if (name == "reposition_min_gain")
    r.repositioning.min_gain = v;
  else if (name == "epoch_s" && v >= 1)
    r.epoch = static_cast<Seconds>(v);
  else {
    err = "--set: unknown or invalid parameter '" + name + "'";
    return false;
  }
  return true;
}

std::optional<Args> Parse(const std::vector<std::string>& a, std::string& err) {
  if (a.empty()) {
    err = "missing command";
    return std::nullopt;
  }
  Args out;
  out.command = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    const std::string& w = a[i];
    const bool has_value = i + 1 < a.size();
    if (w == "--out" || w == "--seed" || w == "--set") {
      if (!has_value) {
        err = w + " needs a value";
        return std::nullopt;
      }
      const std::string& v = a[++i];
      if (w == "--out") {
        out.out = v;
      } else if (w == "--seed") {
        try {
          size_t used = 0;
          out.replay.engine.seed = std::stoull(v, &used);
          if (used != v.size()) throw std::invalid_argument(v);
        } catch (const std::exception&) {
          err = "--seed expects a non-negative integer, got '" + v + "'";
          return std::nullopt;
        }
      } else if (!ApplySet(v, out.replay, err)) {
        return std::nullopt;
      }
    } else if (w.starts_with("--")) {
      err = "unknown option " + w;
      return std::nullopt;
    } else {
      out.dirs.push_back(w);
    }
  }
  return out;
}

struct Outcome {
  mdrp::CheckReport report;
  mdrp::ReplayStats stats;
  double seconds = 0;
};

// Loads, replays, writes and checks one instance. Returns nullopt (after printing why) on bad input.
std::optional<Outcome> SolveOne(const std::string& dir, const std::filesystem::path& out,
                                const mdrp::ReplayOptions& opt) {
  auto loaded = mdrp::LoadInstance(dir);
  if (auto* e = std::get_if<mdrp::LoadError>(&loaded)) {
    std::cerr << "hotpath mdrp: malformed instance: " << e->ToString() << "\n";
    return std::nullopt;
  }
  const auto& inst = std::get<mdrp::Instance>(loaded);
  const auto start = std::chrono::steady_clock::now();
  const mdrp::ReplayResult r = mdrp::Replay(inst, opt);
  Outcome o;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.stats = r.stats;
  if (auto err = mdrp::WriteSolution(inst, r.solution, out)) {
    std::cerr << "hotpath mdrp: " << *err << "\n";
    return std::nullopt;
  }
  o.report = mdrp::CheckSolution(inst, out);
  return o;
}

std::string Json(const std::string& name, const Outcome& o) {
  const auto& m = o.report.metrics;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"instance\":\"%s\",\"feasible\":%s,\"errors\":%zu,\"orders\":%d,\"delivered\":%d,"
                "\"undelivered_pct\":%.3f,\"click_to_door_mean\":%.3f,\"click_to_door_p90\":%.3f,"
                "\"ready_to_pickup_mean\":%.3f,\"ready_to_door_mean\":%.3f,\"cost_per_order\":%.3f,"
                "\"orders_per_bundle\":%.3f,\"couriers_on_guarantee_pct\":%.2f,\"utilization_mean\":%.3f,"
                "\"over_max_click_to_door\":%d,\"epochs\":%d,\"max_epoch_ms\":%.2f,\"max_epoch_cpu_ms\":%.2f,"
                "\"solve_ms\":%.1f,"
                "\"wall_s\":%.2f}",
                name.c_str(), o.report.feasible() ? "true" : "false", o.report.errors.size(), m.orders,
                m.delivered, m.undelivered_pct, m.click_to_door_mean, m.click_to_door_p90,
                m.ready_to_pickup_mean, m.ready_to_door_mean, m.cost_per_order, m.orders_per_bundle,
                m.couriers_on_guarantee_pct, m.utilization_mean, m.over_max_click_to_door, o.stats.epochs,
                o.stats.max_epoch_ms, o.stats.max_epoch_cpu_ms, o.stats.total_solve_ms, o.seconds);
  return buf;
}

std::string InstanceName(const std::string& dir) {
  std::filesystem::path p(dir);
  return p.filename().empty() ? p.parent_path().filename().string() : p.filename().string();
}

int Solve(const Args& a) {
  if (a.dirs.size() != 1) return Usage("solve takes exactly one INSTANCE_DIR");
  if (!a.out) return Usage("solve needs --out DIR");
  auto o = SolveOne(a.dirs[0], *a.out, a.replay);
  if (!o) return 1;
  std::cout << Json(InstanceName(a.dirs[0]), *o) << std::endl;
  for (const auto& e : o->report.errors) std::cerr << "infeasible: " << e << "\n";
  return o->report.feasible() ? 0 : 1;
}

void Progress(size_t done, size_t total, const std::string& name) {
  const int width = 30;
  const int filled = total ? static_cast<int>(width * done / total) : width;
  std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
            << std::string(static_cast<size_t>(width - filled), '.') << "] " << done << "/" << total << " "
            << name << "          " << std::flush;
}

int Bench(const Args& a) {
  if (a.dirs.empty()) return Usage("bench needs at least one INSTANCE_DIR");
  const std::filesystem::path base =
      a.out ? std::filesystem::path(*a.out) : std::filesystem::temp_directory_path() / "hotpath-mdrp-bench";
  double sum[9] = {};
  double worst_epoch = 0, worst_epoch_cpu = 0, worst_wall = 0;
  int n = 0, infeasible = 0, failed = 0;
  for (size_t i = 0; i < a.dirs.size(); ++i) {
    const std::string name = InstanceName(a.dirs[i]);
    Progress(i, a.dirs.size(), name);
    auto o = SolveOne(a.dirs[i], base / name, a.replay);
    if (!o) {
      ++failed;
      continue;
    }
    if (!o->report.feasible()) {
      ++infeasible;
      std::cerr << "\r\33[2Kinfeasible: " << name << ": " << o->report.errors.front() << "\n";
    }
    const auto& m = o->report.metrics;
    const double v[9] = {m.undelivered_pct,      m.click_to_door_mean, m.click_to_door_p90,
                         m.ready_to_pickup_mean, m.ready_to_door_mean, m.cost_per_order,
                         m.orders_per_bundle,    m.utilization_mean,   o->seconds};
    for (int k = 0; k < 9; ++k) sum[k] += v[k];
    worst_epoch = std::max(worst_epoch, o->stats.max_epoch_ms);
    worst_epoch_cpu = std::max(worst_epoch_cpu, o->stats.max_epoch_cpu_ms);
    worst_wall = std::max(worst_wall, o->seconds);
    ++n;
    std::cerr << "\r\33[2K" << Json(name, *o) << "\n";  // clear the bar, keep one line per instance
  }
  Progress(a.dirs.size(), a.dirs.size(), "done");
  std::cerr << "\n";
  const char* names[9] = {"undelivered %",        "click-to-door mean (min)", "click-to-door p90 (min)",
                          "ready-to-pickup mean", "ready-to-door mean",       "cost per order",
                          "orders per bundle",    "courier utilization",      "wall seconds per instance"};
  std::printf("| metric (mean over %d instances) | value |\n|---|---|\n", n);
  for (int k = 0; k < 9; ++k) std::printf("| %s | %.3f |\n", names[k], n ? sum[k] / n : 0.0);
  std::printf("| infeasible instances | %d |\n| failed to load | %d |\n", infeasible, failed);
  std::printf("| slowest instance (s) | %.2f |\n| slowest epoch (ms) | %.1f |\n| slowest epoch, CPU (ms) | %.1f |\n",
              worst_wall, worst_epoch, worst_epoch_cpu);
  return infeasible == 0 && failed == 0 ? 0 : 1;
}

}  // namespace

int MdrpCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "help" || args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  std::string err;
  auto a = Parse(args, err);
  if (!a) return Usage(err);
  if (a->command == "solve") return Solve(*a);
  if (a->command == "bench") return Bench(*a);
  return Usage("unknown command '" + a->command + "'");
}

}  // namespace hotpath::dispatch
