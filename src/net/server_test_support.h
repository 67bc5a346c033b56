#pragma once
// Shared by net's server tests: a started Server with captured log lines and observations.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "net/router.h"
#include "net/server.h"
#include "net/test_client.h"

namespace hotpath::net::testing {

struct Observation {
  std::string route;
  std::string path;
  std::string request_id;
  int status = 0;
};

class ServerHarness {
 public:
  explicit ServerHarness(ServerOptions options = Defaults()) : options_(options) {}

  static ServerOptions Defaults() {
    ServerOptions options;
    options.io_threads = 2;
    options.worker_threads = 4;
    options.max_body_bytes = 4096;
    return options;
  }

  Router& router() { return router_; }

  void Start() {
    server_ = std::make_unique<Server>(
        options_, router_,
        [this](const Request& request, int status, double seconds) {
          EXPECT_GE(seconds, 0.0);
          std::lock_guard lock(mutex_);
          observations_.push_back({request.route, request.path, request.request_id, status});
        },
        [this](std::string_view level, std::string_view line) {
          std::lock_guard lock(mutex_);
          logs_.push_back(std::string(level) + " " + std::string(line));
        });
    const std::string error = server_->Start();
    ASSERT_EQ(error, "");
    ASSERT_NE(server_->Port(), 0);
  }

  Server& server() { return *server_; }
  // Stops and destroys the server (what its callbacks use stays alive).
  void Destroy() { server_.reset(); }
  uint16_t port() const { return server_->Port(); }

  std::vector<Observation> observations() {
    std::lock_guard lock(mutex_);
    return observations_;
  }
  std::vector<std::string> logs() {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  // The log lines containing every one of `needles`.
  std::vector<std::string> LogsWith(std::initializer_list<std::string_view> needles) {
    std::vector<std::string> found;
    for (const auto& line : logs()) {
      bool all = true;
      for (const auto needle : needles) all = all && line.find(needle) != std::string::npos;
      if (all) found.push_back(line);
    }
    return found;
  }

 private:
  ServerOptions options_;
  Router router_;
  std::mutex mutex_;
  std::vector<Observation> observations_;
  std::vector<std::string> logs_;
  std::unique_ptr<Server> server_;  // last: stopped before what its callbacks use is destroyed
};

// A one-shot signal with a timeout, for "the callback ran" assertions without sleeping.
class Signal {
 public:
  void Notify() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  bool WaitFor(int count = 1, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return count_ >= count; });
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

}  // namespace hotpath::net::testing
