#pragma once
// The processes of a running `hotpath cluster`, as the controller publishes them for the primary:
// RUN_DIR/processes.json, replaced atomically (write to a temporary, rename) whenever a process
// starts, is restarted, drains or stops. The primary reads it to scrape the other processes'
// /metrics over loopback (cluster/peer_metrics.h).
//   {"processes": [{"slot": "s0", "role": "primary", "pid": 123, "port": 40001, "state": "active"}, ...]}
// state: "active" (in HAProxy's rotation), "draining" (no new connections, finishing streams) or
// "stopping" (SIGTERM sent). A process that has exited is not listed.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hotpath::cluster {

struct ProcessEntry {
  std::string slot;
  std::string role;  // "primary" or "api"
  pid_t pid = 0;
  std::uint16_t port = 0;
  std::string state;
};

std::string ProcessTableToJson(const std::vector<ProcessEntry>& processes);
Result<std::vector<ProcessEntry>> ParseProcessTable(std::string_view json);

// Writes `text` to `path` through a temporary file and a rename (readers never see half a file).
Status WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace hotpath::cluster
