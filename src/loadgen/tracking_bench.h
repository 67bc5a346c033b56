#pragma once
// `hotpath bench tracking` (issue #4): seeds a data directory, measures the geo index in process,
// starts a `hotpath serve` child on loopback and drives it over real WebSockets:
//   1. idle connections: the server's RSS growth over opening every rider and watcher connection,
//      per connection;
//   2. peak ingest: every rider sends fixes back to back, one in flight each (fixes_per_s);
//   3. live load: watchers track their orders, riders send one fix per second each; fan-out latency
//      from a rider writing its fix to the watcher reading the position frame (p50/p99), so it
//      bounds the server's "fix received -> frame sent" from above.
// Everything runs on 127.0.0.1, bounded in time, and is stopped and removed afterwards.

#include <cstdint>
#include <string>

#include "core/result.h"

namespace hotpath::loadgen {

struct TrackingBenchOptions {
  int riders = 10000;
  int watchers = 20000;       // order subscriptions (customers watching an order)
  int watchers_per_connection = 1;  // a customer's connection tracks this many of their orders
  double seconds = 10;       // per phase
  int nearby_riders = 50000;
  int client_threads = 1;
  int server_io_threads = 0;  // 0: the server's default
  std::string tmp_dir;        // empty: $TMPDIR or /tmp
  std::string server_bin;     // the server's binary; empty: this one (to compare two builds)
  bool keep = false;          // keep the temporary directory (server log, database)
  bool progress = true;       // phase lines on stderr
};

struct TrackingBenchResult {
  int riders = 0, watchers = 0, client_threads = 0, watcher_connections = 0, watchers_per_connection = 1;
  double seconds = 0;
  // peak ingest
  double fixes_per_s = 0;
  std::uint64_t peak_fixes = 0, peak_errors = 0;
  double peak_server_cpu_us_per_fix = 0, peak_client_cpu_us_per_fix = 0;  // CPU cost, whatever the machine's load
  // live load
  double live_fixes_per_s = 0, positions_per_s = 0;
  std::uint64_t live_errors = 0, positions_timed = 0;
  double fanout_p50_ms = 0, fanout_p99_ms = 0, fanout_max_ms = 0;
  // memory
  std::int64_t rss_before_bytes = 0, rss_idle_bytes = 0, rss_end_bytes = 0;
  double bytes_per_connection = 0;
  std::uint64_t closed_by_server = 0;
  // geo index
  int nearby_riders = 0;
  double nearby_per_s = 0, nearby_mean_found = 0;
  // the server's own tracking metrics at the end (Prometheus name -> value)
  std::vector<std::pair<std::string, double>> server_metrics;
};

Result<TrackingBenchResult> RunTrackingBench(const TrackingBenchOptions& options);

std::string ResultJson(const TrackingBenchResult& r);
std::string ResultText(const TrackingBenchResult& r);

}  // namespace hotpath::loadgen
