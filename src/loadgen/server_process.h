#pragma once
// A `hotpath serve` child process for the benchmark: the same binary (/proc/self/exe), started on
// 127.0.0.1 port 0 in a data directory, with no HOTPATH_* variable of ours, dying with its parent
// (PR_SET_PDEATHSIG). Start waits (bounded) for its "listening on" line; Stop sends SIGTERM and
// waits (bounded), then SIGKILL. The destructor stops it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace hotpath::loadgen {

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // `args` follow "serve"; stdout and stderr go to `log_path`. `binary` empty: this program.
  Status Start(const std::string& binary, const std::vector<std::string>& args, const std::string& log_path,
               std::chrono::seconds timeout);
  void Stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // Resident set size now (VmRSS), in bytes; 0 when it cannot be read.
  [[nodiscard]] std::int64_t RssBytes() const;
  // CPU time used so far (user + system), in seconds.
  [[nodiscard]] double CpuSeconds() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

// The last `lines` lines of a text file (for error messages).
std::string Tail(const std::string& path, int lines);

}  // namespace hotpath::loadgen
