#pragma once
// The HAProxy configuration of `hotpath cluster`: one public frontend, a least-connections backend
// over every api process (health checks on /readyz), and a backend holding only the primary for
// the traffic that needs the dispatcher's in-memory state (offers, the dispatch plan, riders'
// WebSockets). Slots beyond the running processes are declared disabled, so the autoscaler can
// bring them up through the runtime API (`set server ... addr`, `state ready|drain|maint`) without a
// reload. Pure text generation, unit-tested.

#include <string>
#include <vector>

#include "core/result.h"

namespace hotpath::cluster {

struct HaproxySlot {
  std::string name;     // "s0", "s1", ...; s0 is the primary
  std::string address;  // "127.0.0.1:PORT" of a running process; empty: disabled placeholder
};

struct HaproxyOptions {
  std::string listen;   // HOST:PORT of the public frontend
  std::string run_dir;  // absolute: the admin socket and pid file live here
  std::vector<HaproxySlot> slots;  // slots[0] is the primary and must have an address
  int drain_timeout_s = 30;        // hard-stop-after on shutdown: streams get this long
  int check_interval_ms = 500;
  int server_timeout_s = 60;       // longer than the SSE keep-alive period (15 s)
  int tunnel_timeout_s = 3600;     // WebSockets
  int maxconn = 20000;
};

inline constexpr const char* kApiBackend = "api";
inline constexpr const char* kPrimaryBackend = "primary";

// Errors name the bad option (no slots, primary without address, relative run_dir, bad listen).
Result<std::string> RenderHaproxyConfig(const HaproxyOptions& options);

}  // namespace hotpath::cluster
