#include "cluster/peer_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <map>
#include <sstream>

#include "cluster/child_process.h"
#include "ops/metrics_text.h"

namespace hotpath::cluster {
namespace {

std::string Instance(const ProcessEntry& p) { return fmt::format("{}:{}", p.pid, p.port); }

// The table; empty when the controller has not written one yet.
Result<std::vector<ProcessEntry>> ReadTable(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::vector<ProcessEntry>{};
  std::stringstream text;
  text << in.rdbuf();
  return ParseProcessTable(text.str());
}

}  // namespace

PeerMetrics::PeerMetrics(std::string processes_file, const Logger& log, prometheus::Registry& registry,
                         std::chrono::milliseconds interval, std::chrono::milliseconds timeout)
    : file_(std::move(processes_file)),
      log_(log),
      up_(prometheus::BuildGauge()
              .Name("hotpath_cluster_peer_up")
              .Help("1 when the primary's last scrape of the process's /metrics worked, else 0 (cluster "
                    "primary only)")
              .Register(registry)),
      timeout_(timeout),
      worker_({.period = interval, .run_at_start = true}, [this] { ScrapeOnce(); }) {}

PeerMetrics::~PeerMetrics() { Stop(); }

void PeerMetrics::Start() { worker_.Start(); }

void PeerMetrics::Stop() { worker_.Stop(); }

void PeerMetrics::PublishLoad(std::string path, OwnLoad own) {
  load_file_ = std::move(path);
  own_load_ = std::move(own);
}

bool PeerMetrics::HaveRead() const {
  std::lock_guard lock(mu_);
  return have_read_;
}

void PeerMetrics::ScrapeOnce() {
  // Rounds in order: a reading older than the last one folded in would look like a counter reset.
  std::lock_guard round(round_mu_);
  auto table = ReadTable(file_);
  if (!table.ok()) {
    std::lock_guard lock(mu_);
    have_read_ = true;  // the figures stay as last read (none yet): no longer waiting for a first round
    if (table_error_ != table.error().message) {
      log_.Warn("cluster metrics: process table not read; the other processes' figures stay as last read",
                {{"path", file_}, {"error", table.error().message}});
      table_error_ = table.error().message;
    }
    return;
  }
  std::vector<ProcessEntry> others;
  std::optional<ProcessEntry> self;
  for (auto& p : *table) {
    if (p.role != "primary")
      others.push_back(std::move(p));
    else
      self = std::move(p);
  }
  // Every process at once, each within the timeout: one that hangs delays no other.
  std::vector<std::future<Result<std::vector<prometheus::MetricFamily>>>> scrapes;
  for (const auto& p : others) {
    scrapes.push_back(
        std::async(std::launch::async,
                   [port = p.port, timeout = timeout_]() -> Result<std::vector<prometheus::MetricFamily>> {
                     HP_ASSIGN(auto text, HttpGet(port, "/metrics", timeout));
                     return ops::ParseMetricsText(text);
                   }));
  }
  std::vector<Result<std::vector<prometheus::MetricFamily>>> results;
  for (auto& f : scrapes) results.push_back(f.get());
  if (!load_file_.empty()) PublishLoadReport(self, others, results);

  std::lock_guard lock(mu_);
  table_error_.clear();
  if (!table_read_) {
    for (const auto& p : others) first_instances_.insert(Instance(p));
    table_read_ = true;
  }
  std::map<std::string, bool> was_up;
  for (const auto& p : peers_) was_up[p.process] = p.up;
  std::vector<Peer> peers;
  for (std::size_t i = 0; i < others.size(); ++i) {
    const auto& p = others[i];
    const bool up = results[i].ok();
    if (up) {
      sum_.Update(p.slot, Instance(p), *results[i], !first_instances_.contains(Instance(p)));
    } else {
      sum_.MarkDown(p.slot);
    }
    auto before = was_up.find(p.slot);
    if (!up && (before == was_up.end() || before->second)) {
      log_.Warn("cluster metrics: a process's /metrics did not answer; its counts stay as last read",
                {{"slot", p.slot}, {"pid", std::to_string(p.pid)}, {"error", results[i].error().message}});
    } else if (up && before != was_up.end() && !before->second) {
      log_.Info("cluster metrics: a process's /metrics answers again",
                {{"slot", p.slot}, {"pid", std::to_string(p.pid)}});
    }
    up_.Add({{"process", p.slot}}).Set(up ? 1 : 0);
    peers.push_back({p.slot, p.role, p.state, p.pid, up});
  }
  for (const auto& known : sum_.Peers()) {
    const bool listed =
        std::any_of(others.begin(), others.end(), [&](const auto& p) { return p.slot == known.process; });
    if (listed) continue;
    sum_.Remove(known.process);
    up_.Remove(&up_.Add({{"process", known.process}}));
  }
  peers_ = std::move(peers);
  have_read_ = true;
}

void PeerMetrics::PublishLoadReport(const std::optional<ProcessEntry>& self, const std::vector<ProcessEntry>& others,
                                    const std::vector<Result<std::vector<prometheus::MetricFamily>>>& results) {
  LoadReport report;
  report.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  if (self && own_load_) {
    auto [in_flight, families] = own_load_();
    ProcessLoad load = LoadOf(families);
    load.in_flight = in_flight;
    load.slot = self->slot;
    load.pid = self->pid;
    report.processes.push_back(std::move(load));
  }
  for (std::size_t i = 0; i < others.size(); ++i) {
    if (!results[i].ok()) continue;
    ProcessLoad load = LoadOf(*results[i]);
    load.slot = others[i].slot;
    load.pid = others[i].pid;
    report.processes.push_back(std::move(load));
  }
  if (auto st = WriteFileAtomically(load_file_, LoadReportToJson(report)); !st.ok()) {
    std::lock_guard lock(mu_);
    if (load_error_ != st.error().message)
      log_.Warn("cluster metrics: the autoscaler's load file not written", {{"error", st.error().message}});
    load_error_ = st.error().message;
  } else {
    std::lock_guard lock(mu_);
    load_error_.clear();
  }
}

std::vector<prometheus::MetricFamily> PeerMetrics::Sum(std::vector<prometheus::MetricFamily> own) const {
  std::lock_guard lock(mu_);
  if (!have_read_) {
    // Before the first round the other processes' shares are unknown: no partial sum.
    for (auto& family : own) {
      if (family.type == prometheus::MetricType::Gauge && ops::GaugeSumOf(family.name) != ops::GaugeSum::kThisProcess)
        family.metric.clear();
    }
  }
  return sum_.Sum(std::move(own));
}

std::vector<PeerMetrics::Peer> PeerMetrics::Peers() const {
  std::lock_guard lock(mu_);
  return peers_;
}

}  // namespace hotpath::cluster
