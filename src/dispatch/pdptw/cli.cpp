#include "dispatch/pdptw/cli.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "dispatch/pdptw/checker.h"
#include "dispatch/pdptw/instance.h"
#include "dispatch/pdptw/solver.h"

namespace hotpath::dispatch::pdptw {
namespace {

constexpr const char* kUsage =
    "usage: hotpath pdptw solve INSTANCE.txt --time-limit SECONDS --out FILE [--threads N] [--seed S]\n"
    "                           [--max-iterations N] [--route-share F]\n"
    "  Solves a Li & Lim pickup-and-delivery instance (SINTEF format), writes the solution to FILE\n"
    "  and prints a JSON summary (vehicles, distance, time) on stdout.\n"
    "  --route-share F: at most this share of the time goes to route minimisation (default 0.5).\n"
    "  --max-iterations N: cap each phase at N iterations per thread (reproducible runs).\n";

struct Args {
  std::string instance;
  std::string out;
  double time_limit = -1;
  int threads = 1;
  uint64_t seed = 1;
  int64_t max_iterations = 0;
  double route_share = 0.5;
};

std::optional<double> ParseNumber(const std::string& s) {
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int Usage(const std::string& problem) {
  std::cerr << "hotpath pdptw: " << problem << "\n" << kUsage;
  return 2;
}

// Fills `args` or returns an error message.
std::optional<std::string> ParseArgs(const std::vector<std::string>& words, Args* args) {
  if (words.empty() || words[0] != "solve") return "expected the subcommand `solve`";
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.rfind("--", 0) != 0) {
      if (!args->instance.empty()) return "unexpected argument '" + w + "'";
      args->instance = w;
      continue;
    }
    if (i + 1 >= words.size()) return "option " + w + " needs a value";
    const std::string& value = words[++i];
    auto num = ParseNumber(value);
    auto need_int = [&](double lo) { return num && *num >= lo && *num == std::floor(*num) && *num < 9e15; };
    if (w == "--out") {
      args->out = value;
    } else if (w == "--time-limit") {
      if (!num || *num <= 0 || *num > 1e6) return "--time-limit must be a positive number of seconds";
      args->time_limit = *num;
    } else if (w == "--threads") {
      if (!need_int(1) || *num > 256) return "--threads must be an integer in [1, 256]";
      args->threads = static_cast<int>(*num);
    } else if (w == "--seed") {
      if (!need_int(0)) return "--seed must be a non-negative integer";
      args->seed = static_cast<uint64_t>(*num);
    } else if (w == "--route-share") {
      if (!num || *num < 0 || *num > 1) return "--route-share must be in [0, 1]";
      args->route_share = *num;
    } else if (w == "--max-iterations") {
      if (!need_int(1)) return "--max-iterations must be a positive integer";
      args->max_iterations = static_cast<int64_t>(*num);
    } else {
      return "unknown option " + w;
    }
  }
  if (args->instance.empty()) return "missing INSTANCE.txt";
  if (args->time_limit <= 0) return "missing --time-limit";
  if (args->out.empty()) return "missing --out FILE";
  return std::nullopt;
}

}  // namespace

int PdptwCommand(const std::vector<std::string>& words) {
  const auto start = std::chrono::steady_clock::now();
  if (!words.empty() && (words[0] == "--help" || words[0] == "-h" || words[0] == "help")) {
    std::cout << kUsage;
    return 0;
  }
  Args args;
  if (auto problem = ParseArgs(words, &args)) return Usage(*problem);

  auto loaded = LoadInstance(args.instance);
  if (!loaded.ok()) {
    std::cerr << "hotpath pdptw: " << loaded.error().message << "\n";
    return 1;
  }
  const Instance& inst = loaded.value();
  SolveOptions opts;
  opts.start = start;
  opts.time_limit = std::chrono::duration<double>(args.time_limit);
  opts.threads = args.threads;
  opts.seed = args.seed;
  opts.max_iterations = args.max_iterations;
  opts.route_phase_fraction = args.route_share;
  SolveStats stats;
  Solution sol = Solve(inst, opts, &stats);

  CheckReport check = CheckSolution(inst, sol);
  if (!check.feasible) {  // a solver defect; never hand out an infeasible plan silently
    std::cerr << "hotpath pdptw: internal error, solution infeasible: " << check.errors.front() << "\n";
    return 1;
  }
  {
    std::ofstream out(args.out, std::ios::binary | std::ios::trunc);
    out << FormatSintef(inst, sol);
    out.flush();
    if (!out) {
      std::cerr << "hotpath pdptw: " << args.out << ": cannot write solution\n";
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[256];
  std::snprintf(line, sizeof line, R"({"instance":"%s","vehicles":%d,"distance":%.4f,"time":%.3f,)"
                R"("initial_vehicles":%d,"route_iterations":%lld,"alns_iterations":%lld})",
                inst.name.c_str(), check.vehicles, check.distance, seconds, stats.initial_vehicles,
                static_cast<long long>(stats.route_iterations), static_cast<long long>(stats.alns_iterations));
  std::cout << line << "\n";
  return 0;
}

}  // namespace hotpath::dispatch::pdptw
