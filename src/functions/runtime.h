#pragma once
// The functions runtime: named handlers bound to topics, the serverless consumers of the bus.
//
// Each function has its own consumer group ("fn.<name>"), reads every partition of its topics and
// runs up to `concurrency` partitions at once (the records of one partition strictly one after the
// other, so an order's events are handled in order). A failed attempt is retried after an
// exponential backoff with jitter; after `max_attempts` failures the record goes to the function's
// dead-letter topic ("dlq.<name>") with the error, and the partition moves on. The offset of a
// record is committed once it took effect or was dead-lettered, so after a crash a record is seen
// again: handlers are idempotent by event id (functions/processed.h), which makes each event take
// effect exactly once.
//
// Dead letters are re-driven by ReplayDeadLetters (the `hotpath functions replay-dlq NAME` command
// asks the running server through the `function_replays` table): every dead letter recorded before
// the replay started is handled again, with the usual retries; one that fails again is
// dead-lettered again (a new record), so nothing is lost and the replay ends.
//
// An operator can pause a function (functions/controls.h): its consumer stops reading, its lag
// keeps being measured (and grows), and on resume it goes on from its committed offsets.

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"
#include "events/cloud_event.h"
#include "events/event_bus.h"
#include "ops/metrics.h"
#include "storage/database.h"

namespace hotpath::functions {

struct FunctionSpec {
  std::string name;                 // [a-z0-9_-]+; group "fn.<name>", dead letters "dlq.<name>"
  std::vector<std::string> topics;  // topics it consumes
  int concurrency = 4;              // partitions handled at once
  std::chrono::milliseconds timeout{10000};  // bound of one attempt's I/O (given to the handler)
  int max_attempts = 5;                      // attempts before the dead-letter topic
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{30000};
};

struct Invocation {
  const events::Record& record;
  const events::CloudEvent& event;
  int attempt = 1;  // 1-based
  std::chrono::steady_clock::time_point deadline;
};

// What an attempt did: took effect, found the event already processed, or had nothing to do.
enum class Outcome { kApplied, kRepeat, kIgnored };

// A handler. Handle returns an error for a failed attempt (it will be retried); it must be
// idempotent by event id. Called from several threads at once (different partitions).
class Function {
 public:
  virtual ~Function() = default;
  virtual Result<Outcome> Handle(const Invocation& invocation) = 0;
  // Several consecutive records of one partition (in order) taken as ONE unit: one database
  // transaction, their `processed_events` records and effects written by one statement, so each
  // event is still applied exactly once and a crash keeps all or none of the batch. std::nullopt
  // when the function does not batch these records (the default; e.g. SQLite, or a record it must
  // look at alone); an error when the batch failed, nothing of it took effect. In both cases the
  // runtime hands the records to Handle one by one, with the usual retries and dead letters.
  // Otherwise the outcome of each record, in order.
  virtual std::optional<Result<std::vector<Outcome>>> HandleBatch(const std::vector<Invocation>& /*invocations*/) {
    return std::nullopt;
  }
  // A dead letter this function wrote itself (not a failed event: e.g. a notification that gave
  // up) is re-driven here; false means "not mine", and the runtime re-handles the event in it.
  virtual Result<bool> ReplayDeadLetter(const boost::json::object& /*dead_letter*/) { return false; }
};

// The backoff before attempt `attempt + 1` after `attempt` failures: initial * 2^(attempt-1), capped
// at max, then "equal jitter" (uniformly in [d/2, d]) from `unit` in [0, 1).
std::chrono::milliseconds Backoff(const FunctionSpec& spec, int attempt, double unit);

// The dead-letter record of a failed event (JSON): what failed, why, and the original bytes.
std::string DeadLetterJson(const std::string& function, const events::Record& record, const std::string& error,
                           int attempts, Millis failed_at);

// Name rule of functions ("notify", "order-status"). Error says what is wrong.
Status ValidateFunctionName(std::string_view name);

struct FunctionInfo {
  FunctionSpec spec;
  std::int64_t lag = -1;  // -1 when not running
  bool paused = false;
};

class Runtime {
 public:
  Runtime(events::EventBus& bus, storage::Database& db, ops::Metrics& metrics, const Clock& clock,
          const Logger& log);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Registers a function (before Start). kInvalidArgument for a bad or repeated name.
  Status Add(FunctionSpec spec, std::shared_ptr<Function> fn);
  // Subscribes every function and starts its threads, and the watcher of replay requests.
  Status Start();
  // Stops polling, lets running attempts finish (a record whose retries are pending is left
  // uncommitted: it is handled again after the restart), flushes the committed offsets.
  void Stop();

  // Re-drives the dead letters of `name` recorded so far; returns how many were handled again.
  Result<std::int64_t> ReplayDeadLetters(const std::string& name);
  // Serves the replay requests in `function_replays` (the CLI's); returns how many it served.
  Result<int> ServeReplayRequests();
  // Pauses or resumes a function in this process at once (functions/controls.h records it for
  // restarts and other processes). kNotFound for an unknown name.
  Status SetPaused(const std::string& name, bool paused);
  // Applies the states recorded in `function_controls` (at Start, then every 250 ms).
  Status ApplyControls();

  [[nodiscard]] std::vector<FunctionInfo> List() const;

 private:
  class Runner;
  events::EventBus& bus_;
  storage::Database& db_;
  ops::Metrics& metrics_;
  const Clock& clock_;
  const Logger& log_;
  std::vector<std::unique_ptr<Runner>> runners_;
  // Serialises ApplyControls and SetPaused: the API records a change and then applies it, so a
  // watcher pass that read the recorded state before the change must not undo it afterwards.
  std::mutex controls_mu_;
  struct Watcher;
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace hotpath::functions
