// The primary's scrape of the other processes (cluster/peer_metrics.h): Start() never waits for a
// process that hangs, the summed load gauges are absent (not the primary's share alone) until the
// first round has ended, and each round publishes the autoscaler's signals of every process that
// answered, and of the primary itself (cluster/process_load.h).
#include "cluster/peer_metrics.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/gauge.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "net/router.h"
#include "net/server.h"
#include "ops/metrics.h"

namespace hotpath::cluster {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

Logger& QuietLog() {
  static Logger log(LogLevel::kError);
  return log;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/hotpath-peers-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

// A listener that never accepts: a scrape of it connects, sends, and waits for an answer.
struct HungProcess {
  int fd = -1;
  std::uint16_t port = 0;
  HungProcess() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 8) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
  }
  // Closing the listener resets the connections it never accepted: the scrape fails at once.
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~HungProcess() { Close(); }
};

bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;  // generous: only a broken scrape misses it
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);  // polling a condition, not deciding anything
  }
  return true;
}

bool HasSeries(const std::vector<prometheus::MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams) {
    if (f.name == name) return !f.metric.empty();
  }
  return false;
}

TEST(PeerMetrics, StartDoesNotWaitForAHungProcessAndSumsNoPartialLoadBeforeTheFirstRound) {
  TempDir dir;
  HungProcess hung;
  ASSERT_NE(hung.port, 0);
  const std::string table = (dir.path / "processes.json").string();
  ASSERT_TRUE(WriteFileAtomically(table, ProcessTableToJson({{"s0", "primary", ::getpid(), 1, "active"},
                                                             {"s1", "api", 4242, hung.port, "active"}}))
                  .ok());
  prometheus::Registry registry;
  auto& in_flight = prometheus::BuildGauge().Name("hotpath_http_requests_in_flight").Help("x").Register(registry);
  in_flight.Add({}).Set(2);
  // A scrape timeout far longer than the test: a synchronous first round would hold Start() that long.
  PeerMetrics peers(table, QuietLog(), registry, std::chrono::hours(1), 120s);
  peers.Start();
  EXPECT_FALSE(peers.HaveRead());  // the first round is still waiting for s1
  EXPECT_TRUE(peers.Peers().empty());
  EXPECT_FALSE(HasSeries(peers.Sum(registry.Collect()), "hotpath_http_requests_in_flight"));

  hung.Close();
  ASSERT_TRUE(Eventually([&] { return peers.HaveRead(); }));
  auto listed = peers.Peers();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].process, "s1");
  EXPECT_FALSE(listed[0].up);
  EXPECT_TRUE(HasSeries(peers.Sum(registry.Collect()), "hotpath_http_requests_in_flight"));
  peers.Stop();
}

TEST(PeerMetrics, EachRoundPublishesTheLoadOfEveryProcessThatAnswered) {
  TempDir dir;
  // s1: a process serving what `hotpath serve` serves at /metrics.
  ops::Metrics s1;
  for (int i = 0; i < 4; ++i) s1.ObserveRequest("GET", "/v1/zones", 200, 0.02);
  s1.ObserveRequest("GET", "/v1/ws", 101, 600);
  prometheus::BuildGauge().Name("hotpath_http_requests_in_flight").Help("x").Register(s1.registry()).Add({}).Set(5);
  net::Router router;
  router.Add("GET", "/metrics", [&](net::Request&) { return net::Response::Text(200, s1.Render(), "text/plain"); });
  net::ServerOptions so;
  so.worker_threads = 2;
  net::Server server(so, router);
  ASSERT_EQ(server.Start(), "");
  HungProcess gone;  // s2: its port refuses connections
  const std::uint16_t gone_port = gone.port;
  gone.Close();

  const std::string table = (dir.path / "processes.json").string();
  ASSERT_TRUE(WriteFileAtomically(table, ProcessTableToJson({{"s0", "primary", 100, 1, "active"},
                                                             {"s1", "api", 101, server.Port(), "active"},
                                                             {"s2", "api", 102, gone_port, "active"}}))
                  .ok());
  ops::Metrics own;
  own.ObserveRequest("POST", "/v1/orders", 201, 0.7);
  prometheus::Registry registry;
  PeerMetrics peers(table, QuietLog(), registry);
  const std::string load_file = (dir.path / "load.json").string();
  peers.PublishLoad(load_file, [&] { return std::pair{1.0, own.registry().Collect()}; });
  peers.ScrapeOnce();

  std::ifstream in(load_file);
  std::stringstream text;
  text << in.rdbuf();
  auto report = ParseLoadReport(text.str());
  ASSERT_TRUE(report.ok()) << report.error().message << ": " << text.str();
  EXPECT_GT(report->at_ms, 1'700'000'000'000);
  ASSERT_EQ(report->processes.size(), 2u);  // s2 did not answer
  const auto& primary = report->processes[0];
  EXPECT_EQ(primary.slot, "s0");
  EXPECT_EQ(primary.pid, 100);
  EXPECT_EQ(primary.in_flight, 1);
  EXPECT_EQ(primary.latency.buckets.at(1), 1);
  EXPECT_EQ(primary.latency.buckets.at(0.5), 0);
  const auto& api = report->processes[1];
  EXPECT_EQ(api.slot, "s1");
  EXPECT_EQ(api.pid, 101);
  EXPECT_EQ(api.in_flight, 5);
  EXPECT_EQ(api.latency.buckets.at(0.025), 4);
  EXPECT_EQ(api.latency.buckets.at(INFINITY), 4);  // the WebSocket session is not a request
  server.Stop(100ms);
}

}  // namespace
}  // namespace hotpath::cluster
