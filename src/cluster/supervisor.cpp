#include "cluster/supervisor.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cluster/haproxy_config.h"
#include "cluster/process_load.h"
#include "cluster/process_table.h"
#include "core/config.h"
#include "net/router.h"
#include "net/server.h"

namespace hotpath::cluster {
namespace fs = std::filesystem;

struct Supervisor::Slot {
  enum class State { kFree, kActive, kDraining, kStopping };
  std::string name;
  bool primary = false;
  State state = State::kFree;
  std::unique_ptr<ChildProcess> process;
  std::int64_t drain_started_ms = 0;
  // Previous sample, for rates.
  std::optional<std::uint64_t> cpu_ticks;
  std::int64_t sampled_ms = 0;
  // The latest reading of the primary's load report used (at_ms 0: none yet) and the p95 of the
  // window that ended with it (reused until a newer reading comes).
  Histogram latency;
  std::int64_t latency_at_ms = 0;
  std::optional<double> p95_s;
};

struct Supervisor::Telemetry {
  prometheus::Registry registry;
  prometheus::Gauge& processes;
  prometheus::Gauge& desired;
  prometheus::Family<prometheus::Gauge>& load;
  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Counter& restarts;
  net::Router router;
  std::unique_ptr<net::Server> server;

  Telemetry()
      : processes(prometheus::BuildGauge()
                      .Name("hotpath_autoscale_processes")
                      .Help("api processes serving (not draining)")
                      .Register(registry)
                      .Add({})),
        desired(prometheus::BuildGauge()
                    .Name("hotpath_autoscale_desired_processes")
                    .Help("api processes the last decision asked for")
                    .Register(registry)
                    .Add({})),
        load(prometheus::BuildGauge()
                 .Name("hotpath_autoscale_load")
                 .Help("mean load per signal at the last decision (1 = at target)")
                 .Register(registry)),
        decisions(prometheus::BuildCounter()
                      .Name("hotpath_autoscale_decisions_total")
                      .Help("autoscaler decisions by action")
                      .Register(registry)),
        restarts(prometheus::BuildCounter()
                     .Name("hotpath_cluster_process_restarts_total")
                     .Help("api processes restarted after an unexpected exit")
                     .Register(registry)
                     .Add({})) {
    for (const char* a : {"hold", "scale_out", "scale_in"}) decisions.Add({{"action", a}});
    for (const char* s : {"cpu", "in_flight", "p95"}) load.Add({{"signal", s}});
  }
  std::string Render() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return out.str();
  }
};

Supervisor::Supervisor(ClusterOptions options, const Logger& log)
    : options_(std::move(options)), log_(log), runtime_(options_.run_dir + "/haproxy.sock"),
      telemetry_(std::make_unique<Telemetry>()) {
  for (int i = 0; i < options_.slots; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->name = fmt::format("s{}", i);
    slot->primary = i == 0;
    slots_.push_back(std::move(slot));
  }
}

Supervisor::~Supervisor() { Shutdown(); }

std::int64_t Supervisor::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int Supervisor::Active() const {
  int n = 0;
  for (const auto& s : slots_) n += s->state == Slot::State::kActive;
  return n;
}

Status Supervisor::StartProcess(Slot& slot) {
  std::vector<std::string> argv = {options_.binary, "serve"};
  argv.insert(argv.end(), options_.serve_args.begin(), options_.serve_args.end());
  if (slot.primary) argv.insert(argv.end(), options_.primary_args.begin(), options_.primary_args.end());
  argv.push_back("--listen=127.0.0.1:0");
  argv.push_back(std::string("--role=") + (slot.primary ? "primary" : "api"));
  auto process = std::make_unique<ChildProcess>();
  HP_TRY(process->StartServe(argv, fmt::format("{}/{}.log", options_.run_dir, slot.name), std::chrono::seconds(120)));
  slot.process = std::move(process);
  slot.cpu_ticks.reset();
  slot.latency = {};
  slot.latency_at_ms = 0;
  slot.p95_s.reset();
  slot.sampled_ms = 0;
  log_.Info("cluster: process started", {{"slot", slot.name},
                                          {"role", slot.primary ? "primary" : "api"},
                                          {"pid", std::to_string(slot.process->pid())},
                                          {"port", std::to_string(slot.process->port())}});
  return OkStatus();
}

// Points the slot's HAProxy servers at the running process and takes them out of maintenance.
Status Supervisor::Enable(Slot& slot) {
  std::uint16_t port = slot.process->port();
  std::vector<std::string> backends = {kApiBackend};
  if (slot.primary) backends.push_back(kPrimaryBackend);
  for (const auto& b : backends) {
    HP_TRY(runtime_.Expect(fmt::format("set server {}/{} addr 127.0.0.1 port {}", b, slot.name, port)));
    HP_TRY(runtime_.Expect(fmt::format("set server {}/{} state ready", b, slot.name)));
  }
  slot.state = Slot::State::kActive;
  return OkStatus();
}

void Supervisor::Drain(Slot& slot) {
  if (auto st = runtime_.Expect(fmt::format("set server {}/{} state drain", kApiBackend, slot.name)); !st.ok())
    log_.Error("cluster: drain refused", {{"slot", slot.name}, {"error", st.error().message}});
  slot.state = Slot::State::kDraining;
  slot.drain_started_ms = NowMs();
  log_.Info("cluster: draining", {{"slot", slot.name}, {"pid", std::to_string(slot.process->pid())}});
}

Status Supervisor::Start() {
  std::error_code ec;
  fs::create_directories(options_.run_dir, ec);
  if (ec) return Error::Unavailable(fmt::format("cannot create run directory {}: {}", options_.run_dir, ec.message()));
  fs::remove(options_.run_dir + "/autoscale.json", ec);  // an earlier run's decisions are not this one's
  fs::remove(options_.run_dir + "/processes.json", ec);  // nor its processes
  fs::remove(options_.run_dir + "/load.json", ec);       // nor its primary's readings
  // The primary first: it migrates the database and creates the token key the others read.
  HP_TRY(StartProcess(*slots_[0]));
  std::vector<std::thread> starters;
  std::vector<Status> results(static_cast<std::size_t>(options_.processes), OkStatus());
  for (int i = 1; i < options_.processes; ++i)
    starters.emplace_back([this, i, &results] { results[static_cast<std::size_t>(i)] = StartProcess(*slots_[static_cast<std::size_t>(i)]); });
  for (auto& t : starters) t.join();
  for (const auto& r : results) HP_TRY(r);
  PublishProcesses();

  HaproxyOptions ho;
  ho.listen = options_.listen;
  ho.run_dir = options_.run_dir;
  ho.drain_timeout_s = options_.drain_timeout_s;
  // HAProxy needs two descriptors per connection and refuses to start above the hard limit.
  if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_max != RLIM_INFINITY)
    ho.maxconn = static_cast<int>(std::clamp<rlim_t>((lim.rlim_max - 200) / 2, 256, 20000));
  for (const auto& s : slots_)
    ho.slots.push_back({s->name, s->process ? fmt::format("127.0.0.1:{}", s->process->port()) : ""});
  HP_ASSIGN(auto text, RenderHaproxyConfig(ho));
  std::string cfg = options_.run_dir + "/haproxy.cfg";
  {
    std::ofstream out(cfg);
    out << text;
    if (!out) return Error::Unavailable(fmt::format("cannot write {}", cfg));
  }
  fs::remove(options_.run_dir + "/haproxy.sock", ec);
  haproxy_ = std::make_unique<ChildProcess>();
  std::string haproxy_log = options_.run_dir + "/haproxy.log";
  HP_TRY(haproxy_->Start({options_.haproxy_bin, "-db", "-f", cfg}, haproxy_log));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!runtime_.Command("show info").ok()) {
    int status = 0;
    if (haproxy_->Exited(&status) || std::chrono::steady_clock::now() > deadline) {
      std::ifstream in(haproxy_log);
      std::string tail((std::istreambuf_iterator<char>(in)), {});
      if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
      return Error::Unavailable(fmt::format("HAProxy did not start ({}): {}", haproxy_log, tail));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling HAProxy's socket
  }
  log_.Info("cluster: haproxy started", {{"pid", std::to_string(haproxy_->pid())}, {"config", cfg}});
  for (auto& s : slots_) {
    if (s->process) s->state = Slot::State::kActive;
  }
  PublishProcesses();
  telemetry_->processes.Set(Active());
  telemetry_->desired.Set(Active());

  auto listen = ParseListen(options_.metrics_listen);
  net::ServerOptions so;
  so.host = listen->first;
  so.port = listen->second;
  so.worker_threads = 2;
  Telemetry* t = telemetry_.get();
  t->router.Add("GET", "/metrics", [t](net::Request&) {
    return net::Response::Text(200, t->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  t->server = std::make_unique<net::Server>(so, t->router);
  if (auto err = t->server->Start(); !err.empty())
    return Error::Unavailable(fmt::format("cannot listen on {}: {}", options_.metrics_listen, err));
  return OkStatus();
}

std::uint16_t Supervisor::MetricsPort() const {
  return telemetry_->server ? telemetry_->server->Port() : 0;
}

void Supervisor::Run(const sigset_t& signals) {
  auto next_scale = NowMs();
  for (;;) {
    timespec tick{0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log_.Info("cluster: shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
    Supervise();
    if (options_.autoscale && NowMs() >= next_scale) {
      next_scale = NowMs() + options_.interval.count();
      Autoscale();
    }
  }
  Shutdown();
}

// Finishes drains and replaces processes that died on their own.
void Supervisor::Supervise() {
  std::map<std::string, int> sessions;
  bool have_sessions = false;
  for (auto& sp : slots_) {
    Slot& s = *sp;
    if (s.state == Slot::State::kFree) continue;
    int status = 0;
    if (s.process->Exited(&status)) {
      (void)runtime_.Expect(fmt::format("set server {}/{} state maint", kApiBackend, s.name));
      if (s.state == Slot::State::kStopping || s.state == Slot::State::kDraining) {
        log_.Info("cluster: process stopped", {{"slot", s.name}});
        s.state = Slot::State::kFree;
        s.process.reset();
        continue;
      }
      log_.Error("cluster: process exited unexpectedly; restarting",
                 {{"slot", s.name}, {"status", std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status))}});
      telemetry_->restarts.Increment();
      s.state = Slot::State::kFree;
      s.process.reset();
      if (auto st = StartProcess(s); st.ok()) {
        if (auto en = Enable(s); !en.ok()) log_.Error("cluster: cannot enable", {{"slot", s.name}, {"error", en.error().message}});
      } else {
        log_.Error("cluster: restart failed", {{"slot", s.name}, {"error", st.error().message}});
      }
      continue;
    }
    if (s.state != Slot::State::kDraining) continue;
    if (!have_sessions) {
      if (auto stat = runtime_.Command("show stat"); stat.ok()) sessions = CurrentSessions(*stat, kApiBackend);
      have_sessions = true;
    }
    auto it = sessions.find(s.name);
    bool idle = it != sessions.end() && it->second == 0;
    bool expired = NowMs() - s.drain_started_ms >= options_.drain_timeout_s * 1000LL;
    if (idle || expired) {
      log_.Info("cluster: drained, stopping", {{"slot", s.name}, {"reason", idle ? "no sessions left" : "drain timeout"}});
      s.process->Signal(SIGTERM);
      s.state = Slot::State::kStopping;
    }
  }
  telemetry_->processes.Set(Active());
  PublishProcesses();
}

// RUN_DIR/processes.json for the primary, which scrapes the others' /metrics for its alarms and
// console; rewritten only when a process started, stopped or changed state.
void Supervisor::PublishProcesses() {
  std::vector<ProcessEntry> rows;
  for (const auto& s : slots_) {
    if (!s->process || !s->process->running()) continue;
    const char* state = s->state == Slot::State::kActive     ? "active"
                        : s->state == Slot::State::kDraining ? "draining"
                        : s->state == Slot::State::kStopping ? "stopping"
                                                             : "starting";
    rows.push_back({s->name, s->primary ? "primary" : "api", s->process->pid(), s->process->port(), state});
  }
  std::string text = ProcessTableToJson(rows);
  if (text == published_processes_) return;
  if (auto st = WriteFileAtomically(options_.run_dir + "/processes.json", text); !st.ok()) {
    log_.Warn("cluster: cannot write the process table; the primary's alarms keep the last one",
              {{"error", st.error().message}});
    return;
  }
  published_processes_ = std::move(text);
}

// The primary's latest load report (cluster/process_load.h); none while it is missing, unreadable
// or stale (the primary is restarting or stalled: the samples then carry the CPU alone).
std::optional<LoadReport> Supervisor::ReadLoad() const {
  std::ifstream in(options_.run_dir + "/load.json");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto report = ParseLoadReport(text.str());
  if (!report.ok()) return std::nullopt;
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t stale_after = 3 * std::max<std::int64_t>(options_.interval.count(), 1000);
  if (wall - report->at_ms > stale_after) return std::nullopt;
  return std::move(*report);
}

std::vector<ProcessSample> Supervisor::Sample() {
  std::vector<ProcessSample> out;
  static const double kTicks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  auto now = NowMs();
  const auto report = ReadLoad();
  for (auto& sp : slots_) {
    Slot& s = *sp;
    if (s.state != Slot::State::kActive) continue;
    std::ifstream in(fmt::format("/proc/{}/stat", s.process->pid()));
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    auto ticks = CpuTicks(stat);
    const ProcessLoad* load = nullptr;
    if (report) {
      for (const auto& p : report->processes) {
        if (p.slot == s.name && p.pid == s.process->pid()) load = &p;
      }
    }
    if (!load) {
      s.p95_s.reset();
    } else if (report->at_ms > s.latency_at_ms) {  // a newer reading: a new window
      s.p95_s = s.latency_at_ms > 0 ? QuantileBetween(s.latency, load->latency, 0.95) : std::nullopt;
      s.latency = load->latency;
      s.latency_at_ms = report->at_ms;
    }
    bool have_previous = s.cpu_ticks && s.sampled_ms > 0 && now > s.sampled_ms;
    ProcessSample sample;
    if (have_previous && ticks) sample.cpu = static_cast<double>(*ticks - *s.cpu_ticks) / kTicks / ((now - s.sampled_ms) / 1000.0);
    if (have_previous) sample.p95_s = s.p95_s;
    sample.in_flight = load ? load->in_flight : 0;
    s.cpu_ticks = ticks;
    s.sampled_ms = now;
    if (have_previous) out.push_back(sample);
  }
  return out;
}

void Supervisor::Autoscale() {
  auto samples = Sample();
  int current = Active();
  auto now = NowMs();
  Decision d = Decide(options_.policy, history_, current, samples, now);
  telemetry_->decisions.Add({{"action", ActionName(d.action)}}).Increment();
  telemetry_->load.Add({{"signal", "cpu"}}).Set(d.cpu_load);
  telemetry_->load.Add({{"signal", "in_flight"}}).Set(d.in_flight_load);
  telemetry_->load.Add({{"signal", "p95"}}).Set(d.p95_load);
  telemetry_->desired.Set(d.desired);
  // The console (the primary's live feed) shows the decisions: write them where it looks.
  auto publish = [this, &d] {
    const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
    state_.interval_ms = options_.interval.count();
    state_.min = options_.policy.min;
    state_.max = options_.policy.max;
    state_.Record(d, wall, Active());
    if (auto st = WriteFileAtomically(options_.run_dir + "/autoscale.json", state_.ToJson()); !st.ok())
      log_.Warn("autoscale: cannot write the console's state file", {{"error", st.error().message}});
  };
  Logger::Fields fields = {{"action", ActionName(d.action)},     {"current", std::to_string(d.current)},
                           {"desired", std::to_string(d.desired)}, {"signal", d.signal},
                           {"load", fmt::format("{:.3f}", d.load)}, {"cpu_load", fmt::format("{:.3f}", d.cpu_load)},
                           {"in_flight_load", fmt::format("{:.3f}", d.in_flight_load)},
                           {"p95_load", fmt::format("{:.3f}", d.p95_load)}, {"reason", d.reason}};
  if (d.action == Decision::Action::kHold) {
    log_.Log(LogLevel::kDebug, "autoscale: decision", fields);
    publish();
    return;
  }
  log_.Info("autoscale: decision", fields);
  if (d.action == Decision::Action::kScaleOut) {
    history_.last_scale_out_ms = now;
    for (int n = current; n < d.desired; ++n) {
      Slot* free = nullptr;
      for (auto& s : slots_) {
        if (s->state == Slot::State::kFree) {
          free = s.get();
          break;
        }
      }
      if (!free) break;  // every slot is busy (some still draining)
      auto st = StartProcess(*free);
      if (st.ok()) st = Enable(*free);
      if (!st.ok()) {
        log_.Error("autoscale: scale-out failed", {{"slot", free->name}, {"error", st.error().message}});
        if (free->process) free->process->Stop(std::chrono::milliseconds(options_.shutdown_grace_ms));
        free->process.reset();
        free->state = Slot::State::kFree;
        break;
      }
    }
  } else {
    history_.last_scale_in_ms = now;
    for (int n = current; n > d.desired; --n) {
      for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {  // the newest first, never the primary
        if ((*it)->state == Slot::State::kActive && !(*it)->primary) {
          Drain(**it);
          break;
        }
      }
    }
  }
  telemetry_->processes.Set(Active());
  PublishProcesses();
  publish();
}

void Supervisor::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (haproxy_ && haproxy_->running()) {
    haproxy_->Signal(SIGUSR1);  // soft stop: no new connections, carried ones finish (hard-stop-after)
    haproxy_->Stop(std::chrono::milliseconds(options_.drain_timeout_s * 1000LL + 5000));
  }
  auto grace = std::chrono::milliseconds(options_.shutdown_grace_ms + 5000);
  for (auto& s : slots_) {
    if (s->process && !s->primary) s->process->Signal(SIGTERM);
  }
  for (auto& s : slots_) {
    if (s->process && !s->primary) s->process->Stop(grace);
  }
  if (slots_[0]->process) slots_[0]->process->Stop(grace);
  if (telemetry_->server) telemetry_->server->Stop(std::chrono::milliseconds(1000));
  log_.Info("cluster: stopped");
}

}  // namespace hotpath::cluster
