#include "loadgen/tracking_bench.h"

#include <sys/resource.h>

#include <fmt/format.h>
#include <sodium.h>

#include <boost/json/value.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "identity/tokens.h"
#include "loadgen/nearby.h"
#include "loadgen/seed.h"
#include "loadgen/server_process.h"
#include "loadgen/ws_load.h"

namespace hotpath::loadgen {
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir(const std::string& parent, bool keep) : keep_(keep) {
    std::string base = parent;
    if (base.empty()) base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::string pattern = (fs::path(base) / "hotpath-bench-tracking.XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    if (keep_) {
      std::fprintf(stderr, "bench tracking: kept %s\n", path_.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_;
};

// Both this process and the server (which inherits the limit) hold one descriptor per connection.
Status RaiseFileLimit(std::size_t needed) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur >= needed) return OkStatus();
  rlimit want{std::max<rlim_t>(needed, lim.rlim_cur), std::max<rlim_t>(needed, lim.rlim_max)};
  if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return OkStatus();
  if (lim.rlim_max >= needed) {
    want = {needed, lim.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return OkStatus();
  }
  return Error::Unavailable(fmt::format(
      "{} open files are needed (one per connection, twice: client and server) but the limit is {} (hard {}); "
      "raise it (ulimit -n) or use fewer riders/watchers",
      needed, lim.rlim_cur, lim.rlim_max));
}

std::string RandomSecret() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// The hotpath_tracking_* and hotpath_stream_* samples of a Prometheus text exposition.
std::vector<std::pair<std::string, double>> TrackingSamples(const std::string& text) {
  std::vector<std::pair<std::string, double>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("hotpath_tracking_", 0) != 0 && line.rfind("hotpath_stream", 0) != 0) continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out.emplace_back(line.substr(0, space), std::strtod(line.c_str() + space + 1, nullptr));
  }
  return out;
}

}  // namespace

Result<TrackingBenchResult> RunTrackingBench(const TrackingBenchOptions& o) {
  auto say = [&](const std::string& line) {
    if (o.progress) std::fprintf(stderr, "bench tracking: %s\n", line.c_str());
  };
  if (sodium_init() < 0) return Error::Internal("libsodium failed to initialise");
  const int per_connection = std::max(1, o.watchers_per_connection);
  const int watcher_connections = (o.watchers + per_connection - 1) / per_connection;
  const int connections = o.riders + watcher_connections;
  HP_TRY(RaiseFileLimit(static_cast<std::size_t>(connections) + 1024));
  TempDir tmp(o.tmp_dir, o.keep);
  if (tmp.path().empty()) return Error::Unavailable("cannot create a temporary directory");
  const std::string data_dir = (fs::path(tmp.path()) / "data").string();
  fs::create_directories(data_dir);

  TrackingBenchResult r;
  r.riders = o.riders;
  r.watchers = o.watchers;
  r.watcher_connections = watcher_connections;
  r.watchers_per_connection = per_connection;
  r.seconds = o.seconds;
  r.client_threads = o.client_threads;
  r.nearby_riders = o.nearby_riders;
  const auto phase = std::chrono::milliseconds(static_cast<std::int64_t>(o.seconds * 1000));

  // Seed the server's database, and measure the geo index in process before the server runs.
  const Millis seed_time =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  SeedData data;
  {
    say(fmt::format("seeding {} riders and {} customers with {} order(s) each", o.riders, watcher_connections,
                    per_connection));
    HP_ASSIGN(auto db, storage::Database::Open({.path = (fs::path(data_dir) / "hotpath.db").string(),
                                                .read_connections = 1,
                                                .max_batch = 16}));
    HP_TRY(db->Migrate());
    HP_ASSIGN(data, Seed(*db, SeedPlan{o.riders, o.watchers, 100, 4, per_connection}, seed_time));
    if (o.nearby_riders > 0) {
      say(fmt::format("nearest 10 within 1 km among {} riders (in process, 1 thread)", o.nearby_riders));
      auto nearby = RunNearby(*db, o.nearby_riders, phase, 7);
      r.nearby_per_s = static_cast<double>(nearby.queries) / nearby.seconds;
      r.nearby_mean_found = nearby.mean_found;
    }
  }

  const std::string secret = RandomSecret();
  identity::TokenSigner signer(secret, 24 * 3600);
  const Millis now = seed_time;
  std::vector<std::string> rider_tokens, watcher_tokens;
  for (const auto& rider : data.riders) rider_tokens.push_back(signer.Issue({rider.id, identity::Role::kRider, ""}, now));
  for (const auto& customer : data.customers) {
    watcher_tokens.push_back(signer.Issue({customer, identity::Role::kCustomer, ""}, now));
  }

  ServerProcess server;
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--data-dir", data_dir, "--token-secret", secret,
                                "--log-level", "warn"};
  if (o.server_io_threads > 0) {
    args.push_back("--io-threads");
    args.push_back(std::to_string(o.server_io_threads));
  }
  say("starting hotpath serve");
  HP_TRY(server.Start(o.server_bin, args, (fs::path(tmp.path()) / "server.log").string(), std::chrono::seconds(120)));
  HP_TRY(HttpGet(server.port(), "/readyz", ""));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let start-up allocations settle
  r.rss_before_bytes = server.RssBytes();

  WsLoad load(LoadOptions{server.port(), o.client_threads, 256, seed_time}, data, std::move(rider_tokens),
              std::move(watcher_tokens));
  say(fmt::format("opening {} WebSocket connections", connections));
  if (auto st = load.ConnectAll(std::chrono::seconds(300)); !st.ok()) {
    return Error::Unavailable(st.error().message + "\nserver log:\n" +
                              Tail((fs::path(tmp.path()) / "server.log").string(), 10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the server's on-open callbacks
  r.rss_idle_bytes = server.RssBytes();
  r.bytes_per_connection =
      static_cast<double>(r.rss_idle_bytes - r.rss_before_bytes) / static_cast<double>(std::max(1, connections));

  say(fmt::format("phase 1: peak ingest for {} s", o.seconds));
  const double server_cpu0 = server.CpuSeconds(), client_cpu0 = ProcessCpuSeconds();
  auto peak = load.RunPeak(phase);
  if (peak.fixes_accepted > 0) {
    const double fixes = static_cast<double>(peak.fixes_accepted);
    r.peak_server_cpu_us_per_fix = (server.CpuSeconds() - server_cpu0) * 1e6 / fixes;
    r.peak_client_cpu_us_per_fix = (ProcessCpuSeconds() - client_cpu0) * 1e6 / fixes;
  }
  r.peak_fixes = peak.fixes_accepted;
  r.peak_errors = peak.errors;
  r.fixes_per_s = peak.seconds > 0 ? static_cast<double>(peak.fixes_accepted) / peak.seconds : 0;

  say(fmt::format("phase 2: {} watchers track their orders", o.watchers));
  HP_TRY(load.SubscribeAll(std::chrono::seconds(300)));
  say(fmt::format("phase 2: live load (1 fix/s per rider) for {} s", o.seconds));
  auto live = load.RunLive(phase);
  r.live_fixes_per_s = live.seconds > 0 ? static_cast<double>(live.fixes_accepted) / live.seconds : 0;
  r.positions_per_s = live.seconds > 0 ? static_cast<double>(live.positions) / live.seconds : 0;
  r.live_errors = live.errors;
  r.positions_timed = live.positions_timed;
  r.fanout_p50_ms = Percentile(live.latencies_ms, 0.50);
  r.fanout_p99_ms = Percentile(live.latencies_ms, 0.99);
  r.fanout_max_ms = live.latencies_ms.empty() ? 0 : live.latencies_ms.back();
  r.rss_end_bytes = server.RssBytes();
  r.closed_by_server = load.Closed();
  if (auto metrics = HttpGet(server.port(), "/metrics", ""); metrics.ok()) r.server_metrics = TrackingSamples(*metrics);
  say("stopping");
  return r;
}

std::string ResultJson(const TrackingBenchResult& r) {
  // Written by hand: fixed decimals instead of Boost.JSON's exponent notation for doubles.
  std::string server;
  for (const auto& [name, value] : r.server_metrics) {
    server += fmt::format("{}{}:{}", server.empty() ? "" : ",", boost::json::serialize(boost::json::value(name)),
                          std::isfinite(value) ? fmt::format("{}", value) : "null");
  }
  return fmt::format(
      R"({{"riders":{},"watchers":{},"watcher_connections":{},"seconds":{},"client_threads":{},)"
      R"("fixes_per_s":{:.0f},"peak_fixes":{},"peak_errors":{},"peak_server_cpu_us_per_fix":{:.2f},"peak_client_cpu_us_per_fix":{:.2f},)"
      R"("live_fixes_per_s":{:.0f},"live_errors":{},"positions_per_s":{:.0f},)"
      R"("fanout_samples":{},"fanout_p50_ms":{:.3f},"fanout_p99_ms":{:.3f},"fanout_max_ms":{:.3f},)"
      R"("connections":{},"server_rss_before_bytes":{},"server_rss_idle_bytes":{},"server_rss_end_bytes":{},)"
      R"("bytes_per_connection":{:.0f},"closed_by_server":{},)"
      R"("nearby_riders":{},"nearby_per_s":{:.0f},"nearby_mean_found":{:.2f},"server_metrics":{{{}}}}})",
      r.riders, r.watchers, r.watcher_connections, r.seconds, r.client_threads, r.fixes_per_s, r.peak_fixes, r.peak_errors,
      r.peak_server_cpu_us_per_fix, r.peak_client_cpu_us_per_fix,
      r.live_fixes_per_s, r.live_errors, r.positions_per_s, r.positions_timed, r.fanout_p50_ms, r.fanout_p99_ms,
      r.fanout_max_ms, r.riders + r.watcher_connections, r.rss_before_bytes, r.rss_idle_bytes, r.rss_end_bytes,
      r.bytes_per_connection, r.closed_by_server, r.nearby_riders, r.nearby_per_s, r.nearby_mean_found, server);
}

std::string ResultText(const TrackingBenchResult& r) {
  std::string out;
  out += fmt::format("riders {}, watchers {} on {} connections, {} s per phase, {} client thread(s)\n", r.riders,
                     r.watchers, r.watcher_connections, r.seconds, r.client_threads);
  out += fmt::format("peak ingest        {:>12.0f} fixes/s  ({} fixes, {} errors)\n", r.fixes_per_s, r.peak_fixes,
                     r.peak_errors);
  out += fmt::format("peak CPU per fix   server {:.1f} us, load generator {:.1f} us\n", r.peak_server_cpu_us_per_fix,
                     r.peak_client_cpu_us_per_fix);
  out += fmt::format("live ingest        {:>12.0f} fixes/s  ({} errors)\n", r.live_fixes_per_s, r.live_errors);
  out += fmt::format("positions to watchers {:>9.0f} frames/s\n", r.positions_per_s);
  out += fmt::format("fan-out latency    p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms ({} samples)\n", r.fanout_p50_ms,
                     r.fanout_p99_ms, r.fanout_max_ms, r.positions_timed);
  out += fmt::format("memory             {:.0f} bytes per idle connection (server RSS {:.1f} -> {:.1f} MiB; {:.1f} MiB at the end)\n",
                     r.bytes_per_connection, r.rss_before_bytes / 1048576.0, r.rss_idle_bytes / 1048576.0,
                     r.rss_end_bytes / 1048576.0);
  out += fmt::format("nearby (in process){:>12.0f} queries/s among {} riders ({:.1f} found per query)\n", r.nearby_per_s,
                     r.nearby_riders, r.nearby_mean_found);
  if (r.closed_by_server) out += fmt::format("connections closed by the server: {}\n", r.closed_by_server);
  return out;
}

}  // namespace hotpath::loadgen
