#include "app/dev_cli.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <iostream>
#include <list>
#include <mutex>
#include <thread>

#include "app/cli.h"
#include "core/config.h"
#include "events/kafka_mock.h"

namespace hotpath::app {
namespace {

int Fail(const std::string& message, int code = 2) {
  std::cerr << "hotpath: " << message << "\n";
  return code;
}

std::optional<int> ParseInt(const std::string& s, int lo, int hi) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// The mock brokers listen on ephemeral ports; a fixed --port is a TCP forwarder to the first
// broker. Clients bootstrap through it and then connect to the brokers the metadata names.
class BootstrapForwarder {
 public:
  ~BootstrapForwarder() {
    stopping_ = true;
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    std::lock_guard lock(mu_);
    for (auto& t : pumps_) t.join();
  }

  std::string Start(int port, const std::string& target) {
    auto colon = target.rfind(':');
    target_port_ = std::atoi(target.c_str() + colon + 1);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0)
      return fmt::format("cannot listen on 127.0.0.1:{}: {}", port, std::strerror(errno));
    acceptor_ = std::thread([this] { Accept(); });
    return "";
  }

 private:
  void Accept() {
    while (!stopping_) {
      int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        if (stopping_) return;
        continue;
      }
      int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<std::uint16_t>(target_port_));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(client);
        ::close(upstream);
        continue;
      }
      std::lock_guard lock(mu_);
      pumps_.emplace_back([this, client, upstream] { Pump(client, upstream); });
    }
  }

  // Copies bytes both ways until either side closes (or the forwarder stops).
  void Pump(int a, int b) {
    char buf[65536];
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    while (!stopping_) {
      if (::poll(fds, 2, 200) < 0) break;
      bool closed = false;
      for (int i = 0; i < 2 && !closed; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          closed = true;
          break;
        }
        for (ssize_t off = 0; off < n;) {
          ssize_t w = ::write(fds[1 - i].fd, buf + off, static_cast<std::size_t>(n - off));
          if (w <= 0) {
            closed = true;
            break;
          }
          off += w;
        }
      }
      if (closed) break;
    }
    ::close(a);
    ::close(b);
  }

  int listen_fd_ = -1;
  int target_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<std::thread> pumps_;  // guarded by mu_
};

int DevKafka(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {});
  if (!parsed.ok()) return Fail("dev kafka: " + parsed.error().message);
  if (!parsed->positional.empty()) return Fail(fmt::format("dev kafka: unexpected argument '{}'", parsed->positional[0]));
  int port = 0, brokers = 3, partitions = 4;
  for (const auto& [name, value] : parsed->flags) {
    std::optional<int> v;
    if (name == "port") {
      v = ParseInt(value, 0, 65535);
      if (!v) return Fail("dev kafka: --port must be an integer between 0 and 65535");
      port = *v;
    } else if (name == "brokers") {
      v = ParseInt(value, 1, 16);
      if (!v) return Fail("dev kafka: --brokers must be an integer between 1 and 16");
      brokers = *v;
    } else if (name == "partitions") {
      v = ParseInt(value, 1, 1000);
      if (!v) return Fail("dev kafka: --partitions must be an integer between 1 and 1000");
      partitions = *v;
    } else {
      return Fail(fmt::format("dev kafka: unknown flag --{} (use --port, --brokers, --partitions)", name));
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  signal(SIGPIPE, SIG_IGN);

  auto cluster = events::KafkaMockCluster::Start(brokers, partitions);
  if (!cluster.ok()) return Fail("dev kafka: " + cluster.error().message, 1);
  std::string brokers_list = (*cluster)->Bootstrap();
  std::string bootstrap = brokers_list;
  std::unique_ptr<BootstrapForwarder> forwarder;
  if (port != 0) {
    forwarder = std::make_unique<BootstrapForwarder>();
    std::string first = brokers_list.substr(0, brokers_list.find(','));
    if (auto err = forwarder->Start(port, first); !err.empty()) return Fail("dev kafka: " + err, 1);
    bootstrap = fmt::format("127.0.0.1:{}", port);
  }
  fmt::print("kafka mock cluster: {} broker(s) at {}; topics orders, riders.locations, payments, notifications "
             "({} partitions)\n",
             brokers, brokers_list, partitions);
  fmt::print("bootstrap: {}\n", bootstrap);
  fmt::print("use: HOTPATH_EVENTS_URL=kafka://{}   (in memory only: stopping it loses every event)\n", bootstrap);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  forwarder.reset();
  cluster->reset();
  return 0;
}

}  // namespace

int DevCommand(const std::vector<std::string>& args) {
  if (!args.empty() && args.front() == "kafka") return DevKafka({args.begin() + 1, args.end()});
  return Fail("usage: hotpath dev kafka [--port P] [--brokers N] [--partitions N]");
}

}  // namespace hotpath::app
