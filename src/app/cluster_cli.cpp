#include "app/cluster_cli.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli.h"
#include "cluster/supervisor.h"
#include "core/config.h"
#include "core/log.h"

namespace hotpath::app {
namespace {

namespace fs = std::filesystem;

int Fail(const std::string& message, int code) {
  std::cerr << "hotpath: cluster: " << message << "\n";
  return code;
}

}  // namespace

int ClusterCommand(const std::vector<std::string>& args) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto parsed = ParseArgs(args, {"demo", "autoscale"});
  if (!parsed.ok()) return Fail(parsed.error().message, 2);
  if (!parsed->positional.empty()) return Fail(fmt::format("unexpected argument '{}'", parsed->positional.front()), 2);
  auto sources = ConfigFromArgs(*parsed, {}, nullptr);
  if (!sources.ok()) return Fail(sources.error().message, 2);
  auto config = LoadConfig(*sources);
  if (!config.ok()) return Fail(config.error().message, 2);
  const Config& c = *config;
  auto listen = ParseListen(c.listen);
  if (listen->second == 0) return Fail("--listen needs a fixed port (HAProxy binds it)", 2);
  if (c.role != "single") return Fail("server.role is set by the cluster for each process; leave it unset", 2);
  if (c.autoscale && c.min_processes > c.max_processes)
    return Fail(fmt::format("autoscale.min_processes ({}) is above autoscale.max_processes ({})", c.min_processes,
                            c.max_processes), 2);

  cluster::ClusterOptions o;
  std::error_code ec;
  o.binary = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Fail("cannot find the hotpath executable: " + ec.message(), 1);
  std::string data_dir = fs::absolute(c.data_dir).lexically_normal().string();
  // Every process reads the same file and overrides; the cluster's own listen and role are replaced.
  if (sources->file) o.serve_args.push_back("--config=" + fs::absolute(*sources->file).string());
  for (const auto& [name, value] : sources->flags) {
    if (name == "demo") {
      o.primary_args.push_back("--demo");
    } else if (name != "listen") {
      o.serve_args.push_back(fmt::format("--{}={}", name, value));
    }
  }
  o.serve_args.push_back("--data-dir=" + data_dir);
  o.listen = c.listen;
  o.run_dir = fs::absolute(c.run_dir.empty() ? data_dir + "/cluster" : c.run_dir).lexically_normal().string();
  o.haproxy_bin = c.haproxy_bin;
  o.processes = c.autoscale ? std::clamp(c.processes, c.min_processes, c.max_processes) : c.processes;
  o.slots = c.autoscale ? std::max(o.processes, c.max_processes) : o.processes;
  o.drain_timeout_s = c.drain_timeout_s;
  o.shutdown_grace_ms = c.shutdown_grace_ms;
  o.autoscale = c.autoscale;
  o.interval = std::chrono::milliseconds(c.autoscale_interval_ms);
  o.metrics_listen = c.metrics_listen;
  auto& p = o.policy;
  p.min = c.min_processes;
  p.max = c.max_processes;
  p.scale_out_step = c.scale_out_step;
  p.scale_in_step = c.scale_in_step;
  p.scale_out_cooldown_ms = c.scale_out_cooldown_s * 1000LL;
  p.scale_in_cooldown_ms = c.scale_in_cooldown_s * 1000LL;
  p.target_cpu = c.target_cpu;
  p.target_in_flight = c.target_in_flight;
  p.target_p95_s = c.target_p95_ms / 1000.0;
  p.scale_in_below = c.scale_in_below;

  Logger log(ParseLogLevel(c.log_level).value_or(LogLevel::kInfo));
  Logger::SetBufferBytes(static_cast<std::size_t>(c.log_buffer_bytes));
  cluster::Supervisor supervisor(o, log);
  if (auto st = supervisor.Start(); !st.ok()) {
    supervisor.Shutdown();
    return Fail(st.error().message, 1);
  }
  fmt::print("hotpath cluster listening on http://{} with {} api processes (run directory {})\n", c.listen,
             o.processes, o.run_dir);
  fmt::print("cluster metrics on http://{}:{}/metrics{}\n", ParseListen(c.metrics_listen)->first,
             supervisor.MetricsPort(),
             c.autoscale ? fmt::format("; autoscaling between {} and {}", p.min, p.max) : std::string());
  std::fflush(stdout);
  supervisor.Run(signals);
  return 0;
}

}  // namespace hotpath::app
