#pragma once
// The WebSocket load generator of `hotpath bench tracking`: rider and watcher connections to a
// hotpath server on loopback, driven by a few Asio threads (one io_context each, connections spread
// over them, no locks on the I/O path). Each connection binds a source address in 127.0.0.2-17 so
// that tens of thousands of them fit in the ephemeral port range.
//
// A watcher connection is one customer tracking each of their orders (SeedData::orders of that
// customer). Riders send `locations` messages of one fix, positions along their seeded straight line and
// times from the wall clock (strictly increasing per rider). Watchers `track` their order and time
// every `position` frame against the moment its rider's fix was written (fan-out latency, end to
// end: rider socket -> server -> watcher socket).
//
// Every wait is bounded; the destructor stops the threads and drops the sockets.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "loadgen/seed.h"

namespace hotpath::loadgen {

struct LoadOptions {
  std::uint16_t port = 0;
  int threads = 1;
  int connect_window = 256;  // handshakes in progress at once
  Millis seed_time = 0;      // riders' positions are PositionAt(rider, at - seed_time)
};

struct PeakStats {
  std::uint64_t fixes_accepted = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
};

struct LiveStats {
  std::uint64_t fixes_sent = 0;
  std::uint64_t fixes_accepted = 0;
  std::uint64_t errors = 0;
  std::uint64_t positions = 0;          // position frames the watchers received
  std::uint64_t positions_timed = 0;    // of which matched to a fix sent in this phase
  std::vector<double> latencies_ms;     // sorted
  double seconds = 0;
};

class WsLoad {
 public:
  // One connection per rider token and per customer token (customer index = token index).
  WsLoad(LoadOptions options, const SeedData& data, std::vector<std::string> rider_tokens,
         std::vector<std::string> customer_tokens);
  ~WsLoad();
  WsLoad(const WsLoad&) = delete;
  WsLoad& operator=(const WsLoad&) = delete;

  // Opens every rider and watcher connection (handshake done, nothing sent). Error when one fails
  // or `timeout` passes.
  Status ConnectAll(std::chrono::seconds timeout);
  [[nodiscard]] std::size_t Open() const;
  // Riders send fixes back to back (one in flight per rider) for `duration`, then wait for the
  // last acknowledgements (bounded).
  PeakStats RunPeak(std::chrono::milliseconds duration);
  // Every customer connection tracks each of its orders; waits (bounded) for every `tracking` answer.
  Status SubscribeAll(std::chrono::seconds timeout);
  // Riders send one fix per second each, spread over the second, for `duration`.
  LiveStats RunLive(std::chrono::milliseconds duration);
  // Connections closed by the server so far (after they were open).
  [[nodiscard]] std::uint64_t Closed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// GET `target` on 127.0.0.1:`port` with a bearer token; the body on 200.
Result<std::string> HttpGet(std::uint16_t port, const std::string& target, const std::string& token);

}  // namespace hotpath::loadgen
