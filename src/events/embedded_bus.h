#pragma once
// The embedded event bus: a durable partitioned log under `<data_dir>/events` (see log_format.h).
//
//   events/LOCK                       flock'd by the one process that writes
//   events/topics/<topic>/<p>/<base>.log
//   events/groups/<group>.offsets     committed offsets ("topic partition offset" lines)
//
// Durable batching: Publish queues its records for one writer thread, which appends every record
// waiting at that moment, fdatasyncs each touched partition once, and only then acknowledges them
// and makes them visible to consumers. So a record a caller saw acknowledged survives kill -9, and
// a record a consumer saw was durable. Recovery at open truncates a torn tail.
//
// One consumer per group at a time in this process (it reads every partition); a second Subscribe
// with an active group is kConflict. Other processes may read the log (ReadOnlyTopic) but not write.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "events/event_bus.h"
#include "events/partition_log.h"

namespace hotpath::events {

class EmbeddedBus final : public EventBus {
 public:
  // `root` is the directory of the log (`<data_dir>/events`), created if missing. Fails with
  // kUnavailable when another process holds it.
  static Result<std::unique_ptr<EmbeddedBus>> Open(const std::string& root, const Clock& clock,
                                                   const Logger& log, LogOptions options = {});
  ~EmbeddedBus() override;

  Result<Position> Publish(std::string_view topic, std::string_view key, std::string_view value) override;
  Result<std::vector<Position>> PublishBatch(std::string_view topic, const std::vector<Message>& messages) override;
  Result<std::unique_ptr<Consumer>> Subscribe(const std::string& group, const std::vector<std::string>& topics,
                                              const SubscribeOptions& options = {}) override;
  Result<int> Partitions(std::string_view topic) override;
  [[nodiscard]] std::string_view Kind() const override { return "embedded"; }

  // Runs retention on every partition now (it also runs after segment rolls, once a minute).
  void EnforceRetentionForTest();

 private:
  class GroupConsumer;
  friend class GroupConsumer;
  struct Topic {
    std::string name;
    std::vector<std::unique_ptr<PartitionLog>> partitions;
  };
  struct Pending {
    Topic* topic = nullptr;
    const std::vector<Message>* messages = nullptr;
    std::vector<Position> positions;
    Status result = OkStatus();
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };

  EmbeddedBus(std::string root, const Clock& clock, const Logger& log, LogOptions options)
      : root_(std::move(root)), clock_(clock), log_(log), options_(options) {}
  Result<Topic*> GetTopic(std::string_view name);
  void WriterLoop();
  void RunBatch(std::vector<Pending*>& batch);
  std::string TopicDir(std::string_view topic) const { return root_ + "/topics/" + std::string(topic); }
  void ReleaseGroup(const std::string& group);
  // Waits until some partition's durable end moves or `wait` passes.
  void WaitForData(std::uint64_t seen_generation, std::chrono::milliseconds wait);

  std::string root_;
  const Clock& clock_;
  const Logger& log_;
  LogOptions options_;
  int lock_fd_ = -1;

  std::mutex topics_mu_;
  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;  // guarded by topics_mu_
  std::set<std::string> active_groups_;                                // guarded by topics_mu_

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;  // guarded by queue_mu_
  bool stopping_ = false;       // guarded by queue_mu_
  std::thread writer_;
  Millis last_retention_ = 0;  // writer thread only

  std::mutex data_mu_;
  std::condition_variable data_cv_;
  std::uint64_t generation_ = 0;  // guarded by data_mu_: bumped after each durable batch
};

// Partition for a key: FNV-1a 64 of the key modulo the count (stable across processes and
// versions). Keyless records go round-robin.
int PartitionForKey(std::string_view key, int partitions);

// For other processes (and the embedded `events tail`): the partition directories of a topic in a
// log root, in partition order; empty if the topic does not exist.
std::vector<std::string> TopicPartitionDirs(const std::string& root, std::string_view topic);

}  // namespace hotpath::events
