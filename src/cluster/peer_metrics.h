#pragma once
// The primary's view of the other processes of its cluster: every `interval` it reads the
// controller's process table (RUN_DIR/processes.json, cluster/process_table.h), scrapes the /metrics
// of every listed process but the primary over loopback (in parallel, each within `timeout`) and
// folds the readings into an ops::MetricsSum. Sum() adds them to this process's own families: the
// alarms and the console's platform view read that (docs/cluster.md, "What the primary's alarms see").
//
// A process's identity across readings is its slot; its instance is "PID:PORT", so a restart in
// the same slot is seen even when the new process counted past the old one between two scrapes.
// Processes listed at the first reading of the table were running before this primary started
// (it was restarted): their counts before their first scrape are a baseline, not an increase.
// Processes that appear later (started by the controller or the autoscaler) count from zero. A
// process that does not answer keeps its last counts and contributes no gauge; one that leaves the
// table keeps its counts in the sum (ops/metrics_sum.h).
//
// With PublishLoad, each round also writes what the autoscaler reads of every serving process
// (requests in flight, request latency) to RUN_DIR/load.json for the controller, which therefore
// scrapes no process itself: one scrape per process per period (cluster/process_load.h).
//
// Start() returns at once: the first round runs on the worker's thread, so a process that hangs
// delays no start. Until that round has ended the other processes' figures are absent, not zero:
// Sum() leaves out the gauges that add up the processes' shares (GaugeSumOf: requests in flight,
// streams, watchers, cache_up), so an alarm on them sees no datapoint rather than the primary's share
// alone; counters and histograms need no such care (a process first seen counts from its first reading).
//
// Exports hotpath_cluster_peer_up{process} (1 when the last scrape of the process worked, else 0)
// on `registry`. Thread-safe.

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/process_load.h"
#include "cluster/process_table.h"
#include "core/log.h"
#include "core/periodic_worker.h"
#include "ops/metrics_sum.h"

namespace hotpath::cluster {

class PeerMetrics {
 public:
  PeerMetrics(std::string processes_file, const Logger& log, prometheus::Registry& registry,
              std::chrono::milliseconds interval = std::chrono::milliseconds(1000),
              std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
  ~PeerMetrics();
  PeerMetrics(const PeerMetrics&) = delete;
  PeerMetrics& operator=(const PeerMetrics&) = delete;

  // Scrapes at once, then every interval, on a thread of its own until Stop(); returns at once.
  void Start();
  void Stop();
  // One round: reads the table, scrapes, folds the readings in.
  void ScrapeOnce();
  // A round has ended since this object was made.
  [[nodiscard]] bool HaveRead() const;
  // Before Start: after each round, write the autoscaler's signals of every process that answered and
  // of this one (`own`: its requests in flight and its families) to `path` (cluster/process_load.h).
  using OwnLoad = std::function<std::pair<double, std::vector<prometheus::MetricFamily>>()>;
  void PublishLoad(std::string path, OwnLoad own);

  [[nodiscard]] std::vector<prometheus::MetricFamily> Sum(std::vector<prometheus::MetricFamily> own) const;

  struct Peer {
    std::string process;  // slot
    std::string role;
    std::string state;  // the controller's: active | draining | stopping
    pid_t pid = 0;
    bool up = false;  // the last scrape worked
  };
  // The processes of the latest table but this one, in slot order.
  [[nodiscard]] std::vector<Peer> Peers() const;

 private:
  void PublishLoadReport(const std::optional<ProcessEntry>& self, const std::vector<ProcessEntry>& others,
                         const std::vector<Result<std::vector<prometheus::MetricFamily>>>& results);

  std::string file_;
  const Logger& log_;
  prometheus::Family<prometheus::Gauge>& up_;
  std::chrono::milliseconds timeout_;

  std::mutex round_mu_;  // one ScrapeOnce at a time
  mutable std::mutex mu_;
  ops::MetricsSum sum_;                    // guarded by mu_
  std::vector<Peer> peers_;                // guarded by mu_
  bool table_read_ = false;                // guarded by mu_
  std::set<std::string> first_instances_;  // guarded by mu_: "PID:PORT" listed at the first reading
  std::string table_error_;                // guarded by mu_: the last problem logged with the table
  bool have_read_ = false;                 // guarded by mu_: a round has ended
  std::string load_file_;                  // set before Start
  OwnLoad own_load_;
  std::string load_error_;                 // guarded by mu_: the last problem logged with the load file

  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace hotpath::cluster
