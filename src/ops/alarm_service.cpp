#include "ops/alarm_service.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "ops/metrics.h"

namespace hotpath::ops {
namespace bj = boost::json;

namespace {

int StateGauge(AlarmState s) {
  switch (s) {
    case AlarmState::kOk: return 0;
    case AlarmState::kAlarm: return 1;
    case AlarmState::kInsufficientData: return -1;
  }
  return -1;
}

bool SameReadings(const AlarmDefinition& a, const AlarmDefinition& b) {
  if (a.metric != b.metric || a.labels.size() != b.labels.size()) return false;
  for (std::size_t i = 0; i < a.labels.size(); ++i) {
    if (a.labels[i].name != b.labels[i].name || a.labels[i].value != b.labels[i].value) return false;
  }
  return true;
}

Millis TimeField(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

std::string StringField(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

Result<std::string> FileAlarmStore::Load() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return std::string();
  std::ifstream in(path_, std::ios::binary);
  if (!in) return Error::Unavailable(fmt::format("cannot read {}", path_));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status FileAlarmStore::Save(const std::string& document) {
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Unavailable(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  std::size_t done = 0;
  while (done < document.size()) {
    ssize_t n = ::write(fd, document.data() + done, document.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error::Unavailable(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return Error::Unavailable(fmt::format("cannot sync {}: {}", tmp, std::strerror(errno)));
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    return Error::Unavailable(fmt::format("cannot replace {}: {}", path_, std::strerror(errno)));
  return OkStatus();
}

AlarmService::AlarmService(const Clock& clock, AlarmStore& store, Collector collect, Notifier notify, Metrics* metrics)
    : clock_(clock), store_(store), collect_(std::move(collect)), notify_(std::move(notify)), metrics_(metrics) {}

AlarmService::~AlarmService() { Stop(); }

Status AlarmService::Load(const std::vector<AlarmDefinition>& from_config) {
  HP_ASSIGN(std::string document, store_.Load());
  const Millis now = clock_.NowMillis();
  std::map<std::string, Entry> loaded;
  if (!document.empty()) {
    boost::system::error_code ec;
    bj::value root = bj::parse(document, ec);
    if (ec || !root.is_object() || !root.as_object().contains("alarms") || !root.at("alarms").is_array())
      return Error::Invalid("the stored alarms document is not valid JSON; move it away to start afresh");
    for (const auto& item : root.at("alarms").as_array()) {
      if (!item.is_object() || !item.as_object().contains("definition") || !item.at("definition").is_object())
        return Error::Invalid("the stored alarms document has an entry without a definition");
      const auto& o = item.as_object();
      auto def = ParseAlarm(o.at("definition").as_object(), "", true);
      if (!def.ok()) return Error::Invalid("stored alarm: " + def.error().message);
      def->source = StringField(o.at("definition").as_object(), "source") == "config" ? "config" : "api";
      Entry e;
      e.status.definition = std::move(*def);
      e.status.state = ParseAlarmState(StringField(o, "state")).value_or(AlarmState::kInsufficientData);
      e.status.since = TimeField(o, "since");
      e.status.reason = StringField(o, "reason");
      if (const auto* h = o.if_contains("history"); h && h->is_array()) {
        for (const auto& hv : h->as_array()) {
          if (!hv.is_object()) continue;
          const auto& ho = hv.as_object();
          AlarmHistoryItem hi;
          hi.at = TimeField(ho, "at");
          hi.type = StringField(ho, "type");
          hi.summary = StringField(ho, "summary");
          hi.from = ParseAlarmState(StringField(ho, "from")).value_or(AlarmState::kInsufficientData);
          hi.to = ParseAlarmState(StringField(ho, "to")).value_or(AlarmState::kInsufficientData);
          hi.reason = StringField(ho, "reason");
          e.history.push_back(std::move(hi));
        }
      }
      std::string name = e.status.definition.name;
      loaded.emplace(std::move(name), std::move(e));
    }
  }
  // The config is the truth for its alarms: drop config alarms it no longer has, apply the others.
  for (auto it = loaded.begin(); it != loaded.end();) {
    const bool in_config = std::any_of(from_config.begin(), from_config.end(),
                                       [&](const AlarmDefinition& d) { return d.name == it->first; });
    if (it->second.status.definition.source == "config" && !in_config) it = loaded.erase(it);
    else ++it;
  }
  for (AlarmDefinition def : from_config) {
    def.source = "config";
    auto it = loaded.find(def.name);
    if (it != loaded.end() && it->second.status.definition.SameAs(def)) {
      it->second.status.definition.source = "config";
      continue;
    }
    Entry e;
    if (it != loaded.end()) e.history = std::move(it->second.history);
    e.status.state = AlarmState::kInsufficientData;
    e.status.since = now;
    e.status.reason = "Unchecked: Initial alarm creation";
    e.history.push_front({now, "ConfigurationUpdate", fmt::format("Alarm \"{}\" {} from the config file", def.name,
                                                                  it == loaded.end() ? "created" : "updated"),
                          AlarmState::kInsufficientData, AlarmState::kInsufficientData, ""});
    std::string key = def.name;
    e.status.definition = std::move(def);
    loaded[key] = std::move(e);
  }
  {
    std::lock_guard lock(mu_);
    alarms_ = std::move(loaded);
    ++version_;
    if (metrics_) {
      for (const auto& [name, e] : alarms_) metrics_->SetAlarmState(name, StateGauge(e.status.state));
    }
  }
  // Written only when the config changed something (a one-shot command reading it writes nothing).
  std::lock_guard save(save_mu_);
  std::string current;
  {
    std::lock_guard lock(mu_);
    current = SerializeLocked();
  }
  if (current != document) (void)store_.Save(current);
  return OkStatus();
}

Result<bool> AlarmService::Put(AlarmDefinition def) {
  def.source = "api";
  if (collect_) {
    Reading r = ReadMetric(collect_(), def);
    std::string mismatch = StatisticMismatch(def.statistic, r.kind, def.metric);
    if (!mismatch.empty()) return Error::Invalid(mismatch, {{"statistic", mismatch}});
  }
  const Millis now = clock_.NowMillis();
  bool created = false;
  {
    std::lock_guard lock(mu_);
    auto it = alarms_.find(def.name);
    if (it != alarms_.end() && it->second.status.definition.source == "config")
      return Error::Conflict(fmt::format("alarm '{}' is defined in the config file; change it there", def.name));
    if (it == alarms_.end()) {
      created = true;
      Entry e;
      e.status.state = AlarmState::kInsufficientData;
      e.status.since = now;
      e.status.reason = "Unchecked: Initial alarm creation";
      e.history.push_front({now, "ConfigurationUpdate", fmt::format("Alarm \"{}\" created", def.name),
                            AlarmState::kInsufficientData, AlarmState::kInsufficientData, ""});
      e.status.definition = std::move(def);
      if (metrics_) metrics_->SetAlarmState(e.status.definition.name, StateGauge(e.status.state));
      std::string name = e.status.definition.name;
      alarms_.emplace(std::move(name), std::move(e));
    } else {
      Entry& e = it->second;
      if (!SameReadings(e.status.definition, def)) e.series.Clear();
      e.last_evaluated_end = 0;
      e.history.push_front({now, "ConfigurationUpdate", fmt::format("Alarm \"{}\" updated", def.name), e.status.state,
                            e.status.state, ""});
      if (e.history.size() > kHistoryLimit) e.history.pop_back();
      e.status.definition = std::move(def);
    }
    ++version_;
  }
  Persist();
  return created;
}

Status AlarmService::Delete(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    auto it = alarms_.find(name);
    if (it == alarms_.end()) return Error::NotFound(fmt::format("no alarm named '{}'", name));
    if (it->second.status.definition.source == "config")
      return Error::Conflict(fmt::format("alarm '{}' is defined in the config file; remove it there", name));
    alarms_.erase(it);
    ++version_;
    if (metrics_) metrics_->RemoveAlarm(name);
  }
  Persist();
  return OkStatus();
}

std::vector<AlarmStatus> AlarmService::List() const {
  std::lock_guard lock(mu_);
  std::vector<AlarmStatus> out;
  out.reserve(alarms_.size());
  for (const auto& [name, e] : alarms_) out.push_back(e.status);
  return out;
}

Result<AlarmStatus> AlarmService::Get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return Error::NotFound(fmt::format("no alarm named '{}'", name));
  return it->second.status;
}

Result<std::vector<AlarmHistoryItem>> AlarmService::History(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return Error::NotFound(fmt::format("no alarm named '{}'", name));
  return std::vector<AlarmHistoryItem>(it->second.history.begin(), it->second.history.end());
}

std::uint64_t AlarmService::Version() const {
  std::lock_guard lock(mu_);
  return version_;
}

void AlarmService::Record(Entry& e, AlarmState to, const std::string& reason, Millis at,
                          std::vector<AlarmTransition>& out) {
  const AlarmState from = e.status.state;
  e.history.push_front({at, "StateUpdate",
                        fmt::format("Alarm updated from {} to {}", AlarmStateName(from), AlarmStateName(to)), from, to,
                        reason});
  if (e.history.size() > kHistoryLimit) e.history.pop_back();
  e.status.state = to;
  e.status.since = at;
  e.status.reason = reason;
  ++version_;
  if (metrics_) metrics_->SetAlarmState(e.status.definition.name, StateGauge(to));
  out.push_back({e.status.definition.name, from, to, at, reason});
}

void AlarmService::Tick() {
  std::vector<prometheus::MetricFamily> families;
  {
    std::lock_guard lock(mu_);
    if (alarms_.empty() && undelivered_.empty()) return;
  }
  if (collect_) families = collect_();
  const Millis now = clock_.NowMillis();
  std::vector<AlarmTransition> transitions;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, e] : alarms_) {
      const AlarmDefinition& def = e.status.definition;
      Reading reading = ReadMetric(families, def);
      std::string note = reading.kind == Reading::Kind::kAbsent
                             ? fmt::format("no metric named {} in this process", def.metric)
                             : StatisticMismatch(def.statistic, reading.kind, def.metric);
      e.series.Add(now, std::move(reading));
      e.series.Trim(def, now);
      const Millis end = LatestPeriodEnd(def, now);
      if (end <= e.last_evaluated_end) continue;
      e.last_evaluated_end = end;
      Decision d = Decide(def, e.series.Window(def, now), note);
      e.status.evaluated_at = now;
      e.status.datapoints = std::move(d.datapoints);
      if (d.state != e.status.state) Record(e, d.state, d.reason, now, transitions);
    }
  }
  if (!transitions.empty()) Persist();
  Deliver(std::move(transitions));
}

void AlarmService::Deliver(std::vector<AlarmTransition> transitions) {
  std::deque<std::pair<AlarmTransition, AlarmDefinition>> queue;
  {
    std::lock_guard lock(mu_);
    for (auto& t : transitions) {
      auto it = alarms_.find(t.alarm);
      if (it != alarms_.end()) undelivered_.emplace_back(std::move(t), it->second.status.definition);
    }
    while (undelivered_.size() > 1000) undelivered_.pop_front();  // bounded: the oldest go first
    queue.swap(undelivered_);
  }
  while (!queue.empty()) {
    if (notify_ && !notify_(queue.front().first, queue.front().second).ok()) break;  // retried at the next tick
    queue.pop_front();
  }
  if (queue.empty()) return;
  std::lock_guard lock(mu_);
  for (auto it = undelivered_.begin(); it != undelivered_.end(); ++it) queue.push_back(std::move(*it));
  undelivered_.swap(queue);
}

std::string AlarmService::SerializeLocked() const {
  bj::array alarms;
  for (const auto& [name, e] : alarms_) {
    bj::array history;
    for (const auto& h : e.history) {
      history.push_back(bj::object{{"at", h.at},
                                   {"type", h.type},
                                   {"summary", h.summary},
                                   {"from", AlarmStateName(h.from)},
                                   {"to", AlarmStateName(h.to)},
                                   {"reason", h.reason}});
    }
    alarms.push_back(bj::object{{"definition", AlarmToJson(e.status.definition)},
                                {"state", AlarmStateName(e.status.state)},
                                {"since", e.status.since},
                                {"reason", e.status.reason},
                                {"history", std::move(history)}});
  }
  return bj::serialize(bj::object{{"version", 1}, {"alarms", std::move(alarms)}});
}

void AlarmService::Persist() {
  std::lock_guard save(save_mu_);
  std::string document;
  {
    std::lock_guard lock(mu_);
    document = SerializeLocked();
  }
  // A failed save keeps the state in memory; the next change tries again.
  (void)store_.Save(document);
}

std::chrono::milliseconds AlarmService::UntilNextTick(Millis now, std::chrono::milliseconds interval) {
  const Millis i = std::max<Millis>(1, interval.count());
  const Millis delay = ((i / 2 - now) % i + i) % i;
  return std::chrono::milliseconds(delay == 0 ? i : delay);
}

void AlarmService::Start(std::chrono::milliseconds interval) {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(run_mu_);
    while (!stopping_) {
      lock.unlock();
      Tick();
      lock.lock();
      run_cv_.wait_for(lock, UntilNextTick(clock_.NowMillis(), interval), [this] { return stopping_; });
    }
  });
}

void AlarmService::Stop() {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bj::object AlarmStatusToJson(const AlarmStatus& s) {
  bj::object o = AlarmToJson(s.definition);
  o["state"] = AlarmStateName(s.state);
  o["since"] = json::FormatTime(s.since);
  o["reason"] = s.reason;
  if (s.evaluated_at > 0) o["evaluated_at"] = json::FormatTime(s.evaluated_at);
  else o["evaluated_at"] = nullptr;
  bj::array dps;
  for (const auto& dp : s.datapoints) {
    bj::object d{{"end", json::FormatTime(dp.end)}};
    if (dp.value) d["value"] = *dp.value;
    else d["value"] = nullptr;
    dps.push_back(std::move(d));
  }
  o["datapoints"] = std::move(dps);
  return o;
}

bj::object AlarmHistoryToJson(const AlarmHistoryItem& h) {
  return bj::object{{"time", json::FormatTime(h.at)},
                    {"type", h.type},
                    {"summary", h.summary},
                    {"old_state", AlarmStateName(h.from)},
                    {"new_state", AlarmStateName(h.to)},
                    {"reason", h.reason}};
}

}  // namespace hotpath::ops
