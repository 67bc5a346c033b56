#pragma once
// The alarms of one process: definitions (from the config and the API), their state and history,
// persisted through an AlarmStore so they survive restarts, evaluated by Tick() against the
// process's own metrics registry. State changes go to a notifier (the platform publishes them as
// CloudEvents `alarm.state_changed` on the `notifications` topic); a notification that fails is
// retried at the next tick. Thread-safe.
//
// Config alarms (source "config") are re-applied at every start and cannot be changed or deleted
// over the API (409); API alarms are kept in the store. An alarm starts INSUFFICIENT_DATA.

#include <prometheus/metric_family.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/result.h"
#include "ops/alarm.h"
#include "ops/alarm_evaluator.h"

namespace hotpath::ops {

class Metrics;

struct AlarmHistoryItem {
  Millis at = 0;
  std::string type;  // "StateUpdate" or "ConfigurationUpdate"
  std::string summary;
  AlarmState from = AlarmState::kInsufficientData;
  AlarmState to = AlarmState::kInsufficientData;
  std::string reason;
};

struct AlarmStatus {
  AlarmDefinition definition;
  AlarmState state = AlarmState::kInsufficientData;
  Millis since = 0;  // when it entered `state`
  std::string reason;
  Millis evaluated_at = 0;
  std::vector<Datapoint> datapoints;  // of the last evaluation, newest first
};

struct AlarmTransition {
  std::string alarm;
  AlarmState from = AlarmState::kInsufficientData;
  AlarmState to = AlarmState::kInsufficientData;
  Millis at = 0;
  std::string reason;
};

// Where definitions, states and histories are kept (one JSON document).
class AlarmStore {
 public:
  virtual ~AlarmStore() = default;
  virtual Result<std::string> Load() = 0;  // "" when nothing was stored yet
  virtual Status Save(const std::string& document) = 0;
};

// A file, replaced atomically (write to a temporary, fsync, rename).
class FileAlarmStore final : public AlarmStore {
 public:
  explicit FileAlarmStore(std::string path) : path_(std::move(path)) {}
  Result<std::string> Load() override;
  Status Save(const std::string& document) override;

 private:
  std::string path_;
};

class MemoryAlarmStore final : public AlarmStore {
 public:
  Result<std::string> Load() override { return document_; }
  Status Save(const std::string& document) override {
    document_ = document;
    return OkStatus();
  }
  std::string document_;
};

class AlarmService {
 public:
  using Collector = std::function<std::vector<prometheus::MetricFamily>()>;
  using Notifier = std::function<Status(const AlarmTransition&, const AlarmDefinition&)>;
  static constexpr std::size_t kHistoryLimit = 100;

  AlarmService(const Clock& clock, AlarmStore& store, Collector collect, Notifier notify, Metrics* metrics = nullptr);
  ~AlarmService();

  // Reads the store, then applies the config's alarms (replacing stored ones of the same name).
  Status Load(const std::vector<AlarmDefinition>& from_config);
  // Creates (true) or replaces (false) an API alarm. 409 for a config alarm; 400 when the statistic
  // does not apply to the metric's type.
  Result<bool> Put(AlarmDefinition definition);
  Status Delete(const std::string& name);
  [[nodiscard]] std::vector<AlarmStatus> List() const;
  [[nodiscard]] Result<AlarmStatus> Get(const std::string& name) const;
  [[nodiscard]] Result<std::vector<AlarmHistoryItem>> History(const std::string& name) const;
  // Changes since `after` (a sequence number; 0 = everything retained), for live views.
  [[nodiscard]] std::uint64_t Version() const;

  // Reads the metrics once, evaluates every alarm whose period ended, records and notifies changes.
  void Tick();
  // Ticks at once, then every `interval` on a thread of its own until Stop(). The ticks keep a fixed
  // phase, half an interval after each multiple of `interval` on the clock: a period of whole
  // intervals then holds exactly one reading per interval unless a tick is half an interval late.
  // (Waiting `interval` after each tick drifted by the tick's own duration, and every so often a
  // period got no reading at all, a spurious INSUFFICIENT_DATA for a 1 s period.)
  void Start(std::chrono::milliseconds interval);
  // The wait from `now` to the next tick of that schedule (in (0, interval]).
  [[nodiscard]] static std::chrono::milliseconds UntilNextTick(Millis now, std::chrono::milliseconds interval);
  void Stop();

 private:
  struct Entry {
    AlarmStatus status;
    AlarmSeries series;
    Millis last_evaluated_end = 0;
    std::deque<AlarmHistoryItem> history;  // newest first
  };
  void Record(Entry& e, AlarmState to, const std::string& reason, Millis at, std::vector<AlarmTransition>& out);
  std::string SerializeLocked() const;
  void Persist();
  void Deliver(std::vector<AlarmTransition> transitions);

  const Clock& clock_;
  AlarmStore& store_;
  Collector collect_;
  Notifier notify_;
  Metrics* metrics_;

  mutable std::mutex mu_;
  std::map<std::string, Entry> alarms_;  // guarded by mu_
  std::uint64_t version_ = 0;            // guarded by mu_; bumped on every change
  std::deque<std::pair<AlarmTransition, AlarmDefinition>> undelivered_;  // guarded by mu_
  std::mutex save_mu_;                   // one Persist at a time, in order

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;  // guarded by run_mu_
  std::thread thread_;
};

boost::json::object AlarmStatusToJson(const AlarmStatus& status);
boost::json::object AlarmHistoryToJson(const AlarmHistoryItem& item);

}  // namespace hotpath::ops
