#pragma once
// Child processes of `hotpath cluster`: started with fork/exec, stdout and stderr appended to a log
// file in the run directory. A `hotpath serve` child announces its port on stdout ("listening on
// http://HOST:PORT"); StartServe waits for that line. Plus a minimal blocking HTTP GET for
// scraping a child's /metrics on loopback.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace hotpath::cluster {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with `args`; output to `log_path`. Not yet waited for.
  Status Start(const std::vector<std::string>& argv, const std::string& log_path);
  // Starts a `hotpath serve` and waits (up to `timeout`) until it prints its listening address.
  Status StartServe(const std::vector<std::string>& argv, const std::string& log_path,
                    std::chrono::milliseconds timeout);
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] bool running() const { return pid_ > 0 && !exited_; }
  // Non-blocking: true once the process has exited (and was reaped); `status` is its wait status.
  bool Exited(int* status = nullptr);
  void Signal(int sig) const;
  // SIGTERM, then waits up to `grace`, then SIGKILL. Returns once the process is gone.
  void Stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::uint16_t port_ = 0;
  std::thread pump_;  // copies the rest of a serve child's stdout to its log
};

// GET http://127.0.0.1:port/path with a deadline; the body of a 200 answer.
Result<std::string> HttpGet(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout);

}  // namespace hotpath::cluster
