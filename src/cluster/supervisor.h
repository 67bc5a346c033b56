#pragma once
// `hotpath cluster`: HAProxy in front of N `hotpath serve` processes sharing one data directory,
// and (optionally) the autoscaler that adds and drains processes through HAProxy's runtime API.
//
// Slots: s0 is the primary (role "primary": it runs the dispatcher, owns the embedded event log and
// relays the outbox); s1..s(max-1) run role "api". HAProxy knows every slot from the start; free
// ones are disabled. Scale-out: start a process, `set server api/sK addr`, `state ready`. Scale-in:
// `state drain` (no new connections), wait until HAProxy counts no session on it or drain_timeout
// passes (long-lived SSE/WebSocket streams), SIGTERM (the process finishes requests in flight and
// closes streams; clients reconnect through HAProxy and resume with Last-Event-ID), `state maint`.
// Shutdown: HAProxy soft-stops (stops listening, finishes what it carries, at most drain_timeout),
// then the processes get SIGTERM, api processes before the primary.

#include <signal.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/autoscale_policy.h"
#include "cluster/child_process.h"
#include "cluster/haproxy_runtime.h"
#include "cluster/process_load.h"
#include "cluster/process_signals.h"
#include "core/log.h"
#include "core/result.h"

namespace hotpath::cluster {

struct ClusterOptions {
  std::string binary;                   // the hotpath executable
  std::vector<std::string> serve_args;  // flags for every `serve` (config file, overrides)
  std::vector<std::string> primary_args;  // extra flags for the primary only (--demo)
  std::string listen;                   // HAProxy's public HOST:PORT
  std::string run_dir;                  // absolute
  std::string haproxy_bin = "haproxy";
  int processes = 2;
  int slots = 2;                        // most processes at once
  int drain_timeout_s = 30;
  int shutdown_grace_ms = 5000;         // of each serve process
  bool autoscale = false;
  AutoscalePolicy policy;
  std::chrono::milliseconds interval{1000};
  std::string metrics_listen = "127.0.0.1:0";
};

class Supervisor {
 public:
  Supervisor(ClusterOptions options, const Logger& log);
  ~Supervisor();
  // Starts the primary, the other processes, HAProxy and the metrics listener.
  Status Start();
  [[nodiscard]] std::uint16_t MetricsPort() const;
  // Supervises (restarts crashed processes, finishes drains, autoscales) until one of `signals`
  // arrives, then shuts down in order.
  void Run(const sigset_t& signals);
  void Shutdown();

 private:
  struct Slot;
  struct Telemetry;
  Status StartProcess(Slot& slot);
  Status Enable(Slot& slot);
  void Drain(Slot& slot);
  void Supervise();
  void Autoscale();
  void PublishProcesses();
  std::vector<ProcessSample> Sample();
  [[nodiscard]] std::optional<LoadReport> ReadLoad() const;
  [[nodiscard]] int Active() const;
  [[nodiscard]] std::int64_t NowMs() const;

  ClusterOptions options_;
  const Logger& log_;
  HaproxyRuntime runtime_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<ChildProcess> haproxy_;
  ScalingHistory history_;
  AutoscaleState state_;  // written to RUN_DIR/autoscale.json for the console
  std::unique_ptr<Telemetry> telemetry_;
  std::string published_processes_;  // the last RUN_DIR/processes.json written
  bool shut_down_ = false;
};

}  // namespace hotpath::cluster
