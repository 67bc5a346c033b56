#include "loadgen/cli.h"

#include <fmt/format.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <iostream>

#include "loadgen/tracking_bench.h"

namespace hotpath::loadgen {
namespace {

constexpr const char* kUsage = R"(usage: hotpath bench tracking [options]

Starts `hotpath serve` on 127.0.0.1 in a temporary directory and drives it over WebSockets:
idle connections (memory), peak ingest, live load with watchers (fan-out latency), plus the geo
index's nearest-10-within-1-km query rate. Stops by itself.

  --riders N          rider connections (default 10000)
  --watchers M        orders tracked live by their customers (default 20000)
  --watchers-per-connection K
                      each customer has K orders and tracks them on one connection (default 1);
                      fits M watchers in fewer sockets where the open-file limit is low
  --seconds S         length of each phase (default 10)
  --nearby-riders K   riders in the geo index for the query rate (default 50000; 0 skips it)
  --client-threads T  load generator threads (default 1)
  --io-threads T      the server's socket threads (default: the server's own default)
  --tmp-dir DIR       where the temporary directory goes (default $TMPDIR or /tmp)
  --server-bin PATH   serve with another hotpath binary (to compare two builds; default: this one)
  --keep              keep the temporary directory (database, server log)
  --json              print one JSON object instead of the text summary
  --quiet             no progress lines on stderr
)";

int Usage(const std::string& problem) {
  std::cerr << "hotpath bench: " << problem << "\n" << kUsage;
  return 2;
}

template <typename T>
bool ParseNumber(const std::string& text, T min, T max, T* out) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

int BenchCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "tracking") return Usage(fmt::format("unknown benchmark '{}' (there is: tracking)", args[0]));
  TrackingBenchOptions o;
  bool json = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string name = args[i], value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (name != "--json" && name != "--keep" && name != "--quiet" && name != "--help") {
      if (i + 1 >= args.size()) return Usage(fmt::format("{} needs a value", name));
      value = args[++i];
    }
    bool ok = true;
    if (name == "--riders") {
      ok = ParseNumber(value, 1, 200000, &o.riders);
    } else if (name == "--watchers") {
      ok = ParseNumber(value, 0, 400000, &o.watchers);
    } else if (name == "--watchers-per-connection") {
      ok = ParseNumber(value, 1, 1000, &o.watchers_per_connection);
    } else if (name == "--seconds") {
      ok = ParseNumber(value, 0.1, 3600.0, &o.seconds);
    } else if (name == "--nearby-riders") {
      ok = ParseNumber(value, 0, 10000000, &o.nearby_riders);
    } else if (name == "--client-threads") {
      ok = ParseNumber(value, 1, 64, &o.client_threads);
    } else if (name == "--io-threads") {
      ok = ParseNumber(value, 1, 64, &o.server_io_threads);
    } else if (name == "--server-bin") {
      o.server_bin = value;
      ok = !value.empty();
    } else if (name == "--tmp-dir") {
      o.tmp_dir = value;
      ok = !value.empty();
    } else if (name == "--keep") {
      o.keep = true;
    } else if (name == "--json") {
      json = true;
    } else if (name == "--quiet") {
      o.progress = false;
    } else if (name == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      return Usage(fmt::format("unknown option '{}'", name));
    }
    if (!ok) return Usage(fmt::format("bad value '{}' for {}", value, name));
  }
  signal(SIGPIPE, SIG_IGN);
  auto result = RunTrackingBench(o);
  if (!result.ok()) {
    std::cerr << "hotpath bench tracking: " << result.error().message << "\n";
    return 1;
  }
  std::cout << (json ? ResultJson(*result) + "\n" : ResultText(*result));
  std::cout.flush();
  return 0;
}

}  // namespace hotpath::loadgen
