#include "functions/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "core/trace.h"
#include "functions/controls.h"

namespace hotpath::functions {
namespace bj = boost::json;
using Clk = std::chrono::steady_clock;

std::chrono::milliseconds Backoff(const FunctionSpec& spec, int attempt, double unit) {
  double d = static_cast<double>(spec.backoff_initial.count());
  for (int i = 1; i < attempt && d < static_cast<double>(spec.backoff_max.count()); ++i) d *= 2;
  d = std::min(d, static_cast<double>(spec.backoff_max.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(d / 2 + d / 2 * std::clamp(unit, 0.0, 1.0)));
}

std::string DeadLetterJson(const std::string& function, const events::Record& record, const std::string& error,
                           int attempts, Millis failed_at) {
  return bj::serialize(bj::object{{"function", function},
                                  {"error", error},
                                  {"attempts", attempts},
                                  {"failed_at", failed_at},
                                  {"topic", record.topic},
                                  {"partition", record.partition},
                                  {"offset", record.offset},
                                  {"key", record.key},
                                  {"value", record.value}});
}

Status ValidateFunctionName(std::string_view name) {
  if (name.empty() || name.size() > 100) return Error::Invalid("function name must be 1..100 characters");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return Error::Invalid(fmt::format("function name '{}' may only use a-z, 0-9, - and _", name));
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// One function: a poller thread feeding per-partition queues, `concurrency` workers.
class Runtime::Runner {
 public:
  Runner(Runtime& rt, FunctionSpec spec, std::shared_ptr<Function> fn)
      : rt_(rt), spec_(std::move(spec)), fn_(std::move(fn)), rng_(std::random_device{}()) {}
  ~Runner() { Stop(); }

  const FunctionSpec& spec() const { return spec_; }
  Function& function() { return *fn_; }
  std::int64_t lag() const { return lag_.load(); }
  bool paused() {
    std::lock_guard lock(mu_);
    return paused_;
  }

  // A paused function reads nothing (its lag keeps being measured) and its workers stop after the
  // record in hand; records already read wait, in order, for the resume.
  void SetPaused(bool paused) {
    bool changed;
    {
      std::lock_guard lock(mu_);
      changed = paused_ != paused;
      paused_ = paused;
    }
    cv_.notify_all();
    rt_.metrics_.SetFunctionPaused(spec_.name, paused);
    if (changed) rt_.log_.Info(paused ? "function paused" : "function resumed", {{"function", spec_.name}});
  }

  Status Start() {
    HP_ASSIGN(consumer_, rt_.bus_.Subscribe("fn." + spec_.name, spec_.topics));
    HP_TRY(rt_.bus_.Partitions(events::DeadLetterTopic(spec_.name)));
    stopping_ = false;
    poller_ = std::thread([this] { PollLoop(); });
    for (int i = 0; i < spec_.concurrency; ++i) workers_.emplace_back([this] { WorkLoop(); });
    return OkStatus();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_ && !poller_.joinable()) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (poller_.joinable()) poller_.join();
    for (auto& w : workers_) w.join();
    workers_.clear();
    if (consumer_) {
      if (auto st = consumer_->Flush(); !st.ok())
        rt_.log_.Warn("function offsets not flushed", {{"function", spec_.name}, {"error", st.error().message}});
      consumer_.reset();
    }
    lag_ = -1;
  }

  // Handles one record with its retries, dead-lettering it after the last. True once it is done
  // (applied, a repeat, or dead-lettered); false when the runtime stopped first.
  bool Process(const events::Record& record) {
    auto event = events::ParseCloudEvent(record.value);
    // The event's trace goes on in the function (a span of its own, the event id as request id):
    // its log lines, and the events and writes it causes, carry the trace of the request that
    // made the event, so an order's story can be followed from the API through the consumers.
    std::optional<RequestScope> trace;
    if (event.ok() && !event->traceparent.empty()) trace.emplace(ContextForRequest(event->id, event->traceparent));
    std::string error;
    for (int attempt = 1; attempt <= spec_.max_attempts; ++attempt) {
      auto started = Clk::now();
      Result<Outcome> st = Error::Invalid("not a valid CloudEvent");
      if (!event.ok()) {
        st = Error::Invalid("not a valid CloudEvent: " + event.error().message);
      } else {
        Invocation inv{record, *event, attempt, started + spec_.timeout};
        st = fn_->Handle(inv);
      }
      rt_.metrics_.ObserveFunctionDuration(spec_.name,
                                           std::chrono::duration<double>(Clk::now() - started).count());
      if (st.ok()) {
        rt_.metrics_.CountFunctionInvocation(spec_.name, *st == Outcome::kRepeat ? "duplicate" : "ok");
        return true;
      }
      error = st.error().message;
      rt_.metrics_.CountFunctionInvocation(spec_.name, "error");
      if (attempt == spec_.max_attempts) break;
      rt_.metrics_.CountFunctionInvocation(spec_.name, "retry");
      if (attempt == 1)
        rt_.log_.Warn("function attempt failed; retrying",
                      {{"function", spec_.name}, {"topic", record.topic}, {"partition", std::to_string(record.partition)},
                       {"offset", std::to_string(record.offset)}, {"error", error}});
      if (!SleepUnlessStopping(Backoff(spec_, attempt, Unit()))) return false;
    }
    return DeadLetter(record, error);
  }

 private:
  double Unit() {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }

  bool SleepUnlessStopping(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }

  bool DeadLetter(const events::Record& record, const std::string& error) {
    std::string value = DeadLetterJson(spec_.name, record, error, spec_.max_attempts, rt_.clock_.NowMillis());
    auto backoff = spec_.backoff_initial;
    while (true) {  // the bus refusing the dead letter must not lose the event: wait and try again
      auto pos = rt_.bus_.Publish(events::DeadLetterTopic(spec_.name), record.key, value);
      if (pos.ok()) break;
      rt_.log_.Error("dead letter not published", {{"function", spec_.name}, {"error", pos.error().message}});
      if (!SleepUnlessStopping(backoff)) return false;
      backoff = std::min(backoff * 2, spec_.backoff_max);
    }
    rt_.metrics_.CountFunctionInvocation(spec_.name, "dead_letter");
    rt_.metrics_.CountDeadLetter(spec_.name);
    rt_.log_.Warn("event dead-lettered",
                  {{"function", spec_.name}, {"topic", record.topic}, {"partition", std::to_string(record.partition)},
                   {"offset", std::to_string(record.offset)}, {"error", error}});
    return true;
  }

  using PartitionKey = std::pair<std::string, int>;
  static constexpr std::size_t kMaxQueued = 2048;

  void MeasureLag(Clk::time_point& last) {
    if (Clk::now() - last <= std::chrono::milliseconds(500)) return;
    last = Clk::now();
    if (auto lag = consumer_->Lag(); lag.ok()) {
      lag_ = *lag;
      rt_.metrics_.SetFunctionLag(spec_.name, static_cast<double>(*lag));
    }
  }

  void PollLoop() {
    auto last_lag = Clk::now() - std::chrono::seconds(10);
    while (true) {
      bool paused = false;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || paused_ || queued_ < kMaxQueued; });
        if (stopping_) return;
        paused = paused_;
      }
      if (paused) {  // read nothing, keep the lag current (it grows with every event published)
        MeasureLag(last_lag);
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_ || !paused_; });
        continue;
      }
      auto records = consumer_->Poll(256, std::chrono::milliseconds(100));
      if (!records.ok()) {
        rt_.log_.Warn("function poll failed", {{"function", spec_.name}, {"error", records.error().message}});
        if (!SleepUnlessStopping(std::chrono::milliseconds(500))) return;
        continue;
      }
      if (!records->empty()) {
        std::lock_guard lock(mu_);
        for (auto& r : *records) {
          queues_[{r.topic, r.partition}].push_back(std::move(r));
          ++queued_;
        }
      }
      if (!records->empty()) cv_.notify_all();
      MeasureLag(last_lag);
    }
  }

  static constexpr std::size_t kMaxTogether = 128;

  // Offers the records from `from` on (up to kMaxTogether, stopping before one that is not a
  // CloudEvent) to the function's HandleBatch: {records handled, 0} when it took them, else
  // {0, records to hand to Process one by one}.
  std::pair<std::size_t, std::size_t> ProcessTogether(const std::deque<events::Record>& batch, std::size_t from) {
    std::vector<events::CloudEvent> events;
    for (std::size_t i = from; i < batch.size() && events.size() < kMaxTogether; ++i) {
      auto ev = events::ParseCloudEvent(batch[i].value);
      if (!ev.ok()) break;
      events.push_back(std::move(*ev));
    }
    if (events.empty()) return {0, 0};
    std::optional<RequestScope> trace;  // the batch's writes carry the trace of its first event
    if (!events.front().traceparent.empty())
      trace.emplace(ContextForRequest(events.front().id, events.front().traceparent));
    const auto started = Clk::now();
    std::vector<Invocation> invocations;
    invocations.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i)
      invocations.push_back(Invocation{batch[from + i], events[i], 1, started + spec_.timeout});
    auto outcomes = fn_->HandleBatch(invocations);
    if (!outcomes) return {0, events.size()};
    if (!outcomes->ok() || outcomes->value().size() != events.size()) {
      rt_.log_.Info("function batch not applied; handling its records one by one",
                    {{"function", spec_.name}, {"records", std::to_string(events.size())},
                     {"error", outcomes->ok() ? "wrong number of outcomes" : outcomes->error().message}});
      return {0, events.size()};
    }
    // One attempt for all: each record is observed with its share of the time.
    const double share = std::chrono::duration<double>(Clk::now() - started).count() / static_cast<double>(events.size());
    for (Outcome o : outcomes->value()) {
      rt_.metrics_.ObserveFunctionDuration(spec_.name, share);
      rt_.metrics_.CountFunctionInvocation(spec_.name, o == Outcome::kRepeat ? "duplicate" : "ok");
    }
    return {events.size(), 0};
  }

  // Takes a partition with queued records that no other worker holds, handles its records in order.
  void WorkLoop() {
    while (true) {
      PartitionKey key;
      std::deque<events::Record> batch;
      {
        std::unique_lock lock(mu_);
        auto ready = [&] {
          if (paused_) return false;
          for (auto& [k, q] : queues_) {
            if (!q.empty() && !busy_.contains(k)) {
              key = k;
              return true;
            }
          }
          return false;
        };
        cv_.wait(lock, [&] { return stopping_ || ready(); });
        if (stopping_) return;
        batch.swap(queues_[key]);
        busy_.insert(key);
      }
      std::size_t done = 0;
      std::size_t alone_until = 0;  // records of a batch that was not taken together go one by one
      while (done < batch.size() && !paused()) {
        std::size_t n = 0;
        if (done >= alone_until) {
          auto [handled, refused] = ProcessTogether(batch, done);
          n = handled;
          alone_until = done + refused;
        }
        if (n == 0) {
          if (!Process(batch[done])) break;
          n = 1;
        }
        done += n;
        const auto& r = batch[done - 1];
        if (auto st = consumer_->Commit(r.topic, r.partition, r.offset + 1); !st.ok())
          rt_.log_.Warn("function commit failed", {{"function", spec_.name}, {"error", st.error().message}});
      }
      {
        std::lock_guard lock(mu_);
        busy_.erase(key);
        if (done < batch.size() && stopping_) {  // the rest is read again after the restart
          queued_ -= batch.size();
          return;
        }
        queued_ -= done;
        if (done < batch.size()) {  // paused: the rest waits, in order, before what was read since
          auto& q = queues_[key];
          q.insert(q.begin(), std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(done)),
                   std::make_move_iterator(batch.end()));
        }
      }
      cv_.notify_all();
    }
  }

  Runtime& rt_;
  FunctionSpec spec_;
  std::shared_ptr<Function> fn_;
  std::unique_ptr<events::Consumer> consumer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = true;                                   // guarded by mu_
  bool paused_ = false;                                    // guarded by mu_
  std::map<PartitionKey, std::deque<events::Record>> queues_;  // guarded by mu_
  std::set<PartitionKey> busy_;                            // guarded by mu_: partitions a worker holds
  std::size_t queued_ = 0;                                 // guarded by mu_
  std::mt19937_64 rng_;                                    // guarded by mu_
  std::atomic<std::int64_t> lag_{-1};
  std::thread poller_;
  std::vector<std::thread> workers_;
};

// ---------------------------------------------------------------------------------------------
struct Runtime::Watcher {
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread thread;
};

Runtime::Runtime(events::EventBus& bus, storage::Database& db, ops::Metrics& metrics, const Clock& clock,
                 const Logger& log)
    : bus_(bus), db_(db), metrics_(metrics), clock_(clock), log_(log) {}

Runtime::~Runtime() { Stop(); }

Status Runtime::Add(FunctionSpec spec, std::shared_ptr<Function> fn) {
  HP_TRY(ValidateFunctionName(spec.name));
  for (const auto& r : runners_) {
    if (r->spec().name == spec.name) return Error::Invalid(fmt::format("function '{}' is defined twice", spec.name));
  }
  if (spec.topics.empty()) return Error::Invalid(fmt::format("function '{}' has no topic", spec.name));
  for (const auto& t : spec.topics) HP_TRY(events::ValidateTopic(t));
  spec.concurrency = std::max(1, spec.concurrency);
  spec.max_attempts = std::max(1, spec.max_attempts);
  runners_.push_back(std::make_unique<Runner>(*this, std::move(spec), std::move(fn)));
  return OkStatus();
}

Status Runtime::Start() {
  for (auto& r : runners_) r->SetPaused(false);  // every function has its gauge, 0 unless paused below
  if (auto st = ApplyControls(); !st.ok()) return st.error();
  for (auto& r : runners_) HP_TRY(r->Start());
  watcher_ = std::make_unique<Watcher>();
  watcher_->thread = std::thread([this] {
    std::unique_lock lock(watcher_->mu);
    while (!watcher_->cv.wait_for(lock, std::chrono::milliseconds(250), [this] { return watcher_->stopping; })) {
      lock.unlock();
      if (auto served = ServeReplayRequests(); !served.ok())
        log_.Warn("replay requests not served", {{"error", served.error().message}});
      if (auto st = ApplyControls(); !st.ok())
        log_.Warn("function pauses not read", {{"error", st.error().message}});
      lock.lock();
    }
  });
  return OkStatus();
}

void Runtime::Stop() {
  if (watcher_) {
    {
      std::lock_guard lock(watcher_->mu);
      watcher_->stopping = true;
    }
    watcher_->cv.notify_all();
    if (watcher_->thread.joinable()) watcher_->thread.join();
    watcher_.reset();
  }
  for (auto& r : runners_) r->Stop();
}

Result<std::int64_t> Runtime::ReplayDeadLetters(const std::string& name) {
  Runner* runner = nullptr;
  for (auto& r : runners_) {
    if (r->spec().name == name) runner = r.get();
  }
  if (!runner) return Error::NotFound(fmt::format("no function named '{}'", name));
  const std::string dlq = events::DeadLetterTopic(name);
  HP_ASSIGN(auto consumer, bus_.Subscribe("fn." + name + ".replay", {dlq}));
  const Millis started = clock_.NowMillis();
  std::int64_t replayed = 0;
  while (true) {
    HP_ASSIGN(auto records, consumer->Poll(256, std::chrono::milliseconds(50)));
    if (records.empty()) break;
    for (const auto& r : records) {
      if (r.timestamp >= started) continue;  // dead-lettered again during this replay: the next one
      boost::system::error_code ec;
      auto v = bj::parse(r.value, ec);
      const bj::object* o = (!ec && v.is_object()) ? &v.as_object() : nullptr;
      bool own = false;
      if (o) {
        HP_ASSIGN(own, runner->function().ReplayDeadLetter(*o));
      }
      if (own) {
        ++replayed;
      } else if (!o || !o->contains("value") || !(*o).at("value").is_string() || !o->contains("topic")) {
        log_.Warn("dead letter not understood; skipped", {{"function", name}, {"offset", std::to_string(r.offset)}});
      } else {
        events::Record original;
        original.topic = std::string(o->at("topic").as_string());
        original.partition = o->contains("partition") && o->at("partition").is_int64()
                                 ? static_cast<int>(o->at("partition").as_int64()) : 0;
        original.offset = o->contains("offset") && o->at("offset").is_int64() ? o->at("offset").as_int64() : 0;
        original.key = o->contains("key") && o->at("key").is_string() ? std::string(o->at("key").as_string()) : "";
        original.value = std::string(o->at("value").as_string());
        original.timestamp = r.timestamp;
        if (!runner->Process(original)) return Error::Unavailable("stopping");
        ++replayed;
      }
      HP_TRY(consumer->Commit(r.topic, r.partition, r.offset + 1));
    }
  }
  HP_TRY(consumer->Flush());
  log_.Info("dead letters replayed", {{"function", name}, {"count", std::to_string(replayed)}});
  return replayed;
}

Result<int> Runtime::ServeReplayRequests() {
  struct Request {
    std::int64_t id;
    std::string function;
  };
  HP_ASSIGN(auto requests, db_.Read<std::vector<Request>>([](storage::Connection& c) -> Result<std::vector<Request>> {
    std::vector<Request> out;
    HP_TRY(c.Query("SELECT id, function FROM function_replays WHERE done_at IS NULL ORDER BY id", {},
                   [&](const storage::Row& r) { out.push_back({r.Int(0), r.Text(1)}); }));
    return out;
  }));
  for (const auto& req : requests) {
    auto n = ReplayDeadLetters(req.function);
    if (!n.ok() && n.error().code == ErrorCode::kUnavailable) return n.error();
    storage::SqlValue replayed = n.ok() ? storage::SqlValue(*n) : storage::SqlValue(nullptr);
    storage::SqlValue error = n.ok() ? storage::SqlValue(nullptr) : storage::SqlValue(n.error().message);
    Millis now = clock_.NowMillis();
    HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      HP_TRY(c.Exec("UPDATE function_replays SET done_at = ?, replayed = ?, error = ? WHERE id = ?",
                    {now, replayed, error, req.id}));
      return Ok{};
    }));
  }
  return static_cast<int>(requests.size());
}

Status Runtime::SetPaused(const std::string& name, bool paused) {
  std::lock_guard lock(controls_mu_);  // after a concurrent ApplyControls that read the state before the change
  for (auto& r : runners_) {
    if (r->spec().name == name) {
      r->SetPaused(paused);
      return OkStatus();
    }
  }
  return Error::NotFound(fmt::format("no function named '{}'", name));
}

Status Runtime::ApplyControls() {
  std::lock_guard lock(controls_mu_);
  HP_ASSIGN(auto controls, Controls(db_, clock_).List());
  for (auto& r : runners_) {
    auto it = controls.find(r->spec().name);
    if (it != controls.end() && it->second.paused != r->paused()) r->SetPaused(it->second.paused);
  }
  return OkStatus();
}

std::vector<FunctionInfo> Runtime::List() const {
  std::vector<FunctionInfo> out;
  for (const auto& r : runners_) out.push_back({r->spec(), r->lag(), r->paused()});
  return out;
}

}  // namespace hotpath::functions
