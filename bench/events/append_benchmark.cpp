// Embedded event log: append throughput with durable batching, and the latency of each append
// (Publish returns only after the record is written and fdatasync'd). Reference measured in the
// same run on the same disk: one record per write + fdatasync (what the log would do without group
// commit).
//
//   events_append_benchmark [--seconds S] [--threads N] [--batch B] [--value-bytes V] [--dir DIR]
//
// --batch 1: every publisher calls Publish (one event per call, like a request handler);
// --batch B: PublishBatch of B events (like the outbox relay). Prints one Markdown table row.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "events/embedded_bus.h"

namespace {
using namespace hotpath;
using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 5;
  int threads = 64;
  int batch = 1;
  int value_bytes = 300;  // a typical order CloudEvent
  std::string dir = ".";
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

// One write + fdatasync per record for `seconds`: the rate without group commit.
double SyncPerRecordRate(const std::string& dir, int value_bytes, double seconds) {
  std::string path = dir + "/reference.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::string record(static_cast<std::size_t>(value_bytes) + 40, 'x');
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  long n = 0;
  auto start = Clock::now();
  while (Clock::now() < end) {
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) || ::fdatasync(fd) != 0) break;
    ++n;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  std::filesystem::remove(path);
  return static_cast<double>(n) / elapsed;
}

int Run(const Options& o) {
  char tmpl[4096];
  std::snprintf(tmpl, sizeof tmpl, "%s/hotpath-events-bench-XXXXXX", o.dir.c_str());
  if (!::mkdtemp(tmpl)) {
    fmt::print(stderr, "events_append_benchmark: cannot create a directory in {}\n", o.dir);
    return 1;
  }
  std::string root = tmpl;
  SystemClock clock;
  Logger log(LogLevel::kError);
  double reference = SyncPerRecordRate(root, o.value_bytes, std::min(2.0, o.seconds));
  auto bus = events::EmbeddedBus::Open(root + "/events", clock, log);
  if (!bus.ok()) {
    fmt::print(stderr, "events_append_benchmark: {}\n", bus.error().message);
    return 1;
  }
  std::string value(static_cast<std::size_t>(o.value_bytes), 'v');
  std::atomic<bool> stop{false};
  std::atomic<long> events{0}, failures{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(o.threads));
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      auto& lat = latencies[static_cast<std::size_t>(t)];
      std::vector<events::Message> batch;
      for (int i = 0; i < o.batch; ++i) batch.push_back({fmt::format("ord_{}_{}", t, i % 8), value});
      long k = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto t0 = Clock::now();
        bool ok;
        if (o.batch == 1) {
          ok = (*bus)->Publish("orders", fmt::format("ord_{}_{}", t, k++ % 8), value).ok();
        } else {
          ok = (*bus)->PublishBatch("orders", batch).ok();
        }
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        if (ok) {
          events += o.batch;
        } else {
          ++failures;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  bus->reset();
  std::error_code ec;
  std::filesystem::remove_all(root, ec);

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  double rate = static_cast<double>(events.load()) / elapsed;
  double p50 = Percentile(all, 0.50), p99 = Percentile(all, 0.99);
  fmt::print("| publishers | events/call | value bytes | events/s (durable) | p50 append | p99 append | "
             "reference: write+fdatasync per event | ratio |\n|---|---|---|---|---|---|---|---|\n");
  fmt::print("| {} | {} | {} | {:.0f} | {:.2f} ms | {:.2f} ms | {:.0f} events/s | {:.1f}x |\n", o.threads, o.batch,
             o.value_bytes, rate, p50 / 1000, p99 / 1000, reference, reference > 0 ? rate / reference : 0);
  if (failures > 0) {
    fmt::print(stderr, "events_append_benchmark: {} publish calls failed\n", failures.load());
    return 1;
  }
  return events.load() > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      fmt::print(stderr, "events_append_benchmark: {} needs a value\n", a);
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--seconds") {
      o.seconds = std::atof(v.c_str());
    } else if (a == "--threads") {
      o.threads = std::atoi(v.c_str());
    } else if (a == "--batch") {
      o.batch = std::atoi(v.c_str());
    } else if (a == "--value-bytes") {
      o.value_bytes = std::atoi(v.c_str());
    } else if (a == "--dir") {
      o.dir = v;
    } else {
      fmt::print(stderr, "events_append_benchmark: unknown flag {}\n", a);
      return 2;
    }
  }
  if (o.seconds <= 0 || o.threads < 1 || o.threads > 4096 || o.batch < 1 || o.batch > 65536 || o.value_bytes < 1 ||
      o.value_bytes > 1'000'000) {
    fmt::print(stderr, "events_append_benchmark: --seconds > 0, --threads 1-4096, --batch 1-65536, --value-bytes 1-1000000\n");
    return 2;
  }
  return Run(o);
}
