#pragma once
// The Kafka event bus (librdkafka), chosen by `kafka://host:port[,host:port...][?name=value&...]`.
//
// Producer: idempotent (enable.idempotence=true, so acks=all and no duplicates or reordering on
// retries); Publish returns once every in-sync replica has the record (the delivery report), or
// fails with kUnavailable after message.timeout.ms (30 s by default here). Keys are the order or
// rider id; partitions are chosen by librdkafka's murmur2 partitioner (the Java client's, so keys
// land where other Kafka clients put them) and stay fixed while the partition count does.
//
// Consumer: a balanced consumer group (subscribe, broker-side rebalancing), enable.auto.commit and
// enable.auto.offset.store off: offsets move only by Commit, after the handler succeeded. Commits
// are sent at most every 100 ms from Poll, on Flush, before partitions are revoked, and on close.
// Seek/SeekToTime (offsets_for_times) apply at once to assigned partitions and on assignment to the
// others. One consumer per group in this process (like the embedded bus); other processes may join
// the same group and share its partitions.
//
// Settings: every `name=value` of the URL's query and of the config's [events.kafka] table is a
// librdkafka property (security.protocol, ssl.ca.location, sasl.mechanism, sasl.username, ...),
// applied after hotpath's defaults. Two query names are hotpath's own: `partitions` (of topics
// hotpath creates, default 4) and `replication_factor` (default: the broker's default).
// Topics are created when first used: CreateTopics, or the broker's automatic creation.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <atomic>

#include "core/log.h"
#include "events/event_bus.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;

namespace hotpath::events {

// The opaque of every librdkafka handle the bus makes: its log lines go to `log`; a consumer's
// rebalance callback finds its consumer.
struct KafkaHandleContext {
  const Logger* log = nullptr;
  void* consumer = nullptr;
};

struct KafkaSettings {
  std::string bootstrap;                          // "h1:9092,h2:9092"
  std::map<std::string, std::string> properties;  // librdkafka properties
  int partitions = 4;
  int replication_factor = -1;  // -1: broker default
};

// Parses a kafka:// URL and merges `properties` (the [events.kafka] table; the URL's query wins).
// Errors name what is wrong ("kafka URL needs at least one host:port").
Result<KafkaSettings> ParseKafkaUrl(const std::string& url, const std::map<std::string, std::string>& properties);

// A configured librdkafka handle (producer or consumer); kInvalidArgument names a bad property.
// `extra` is applied after `settings.properties`.
Result<rd_kafka_s*> NewKafkaHandle(const KafkaSettings& settings, bool producer,
                                   const std::map<std::string, std::string>& defaults,
                                   rd_kafka_conf_s* prepared = nullptr);

class KafkaBus final : public EventBus {
 public:
  // Connects the producer and checks that the cluster answers (kUnavailable otherwise).
  // Record timestamps come from `clock` (CreateTime), like the embedded log's append times.
  static Result<std::unique_ptr<KafkaBus>> Open(KafkaSettings settings, const Clock& clock, const Logger& log);
  ~KafkaBus() override;

  Result<Position> Publish(std::string_view topic, std::string_view key, std::string_view value) override;
  Result<std::vector<Position>> PublishBatch(std::string_view topic, const std::vector<Message>& messages) override;
  Result<std::unique_ptr<Consumer>> Subscribe(const std::string& group, const std::vector<std::string>& topics,
                                              const SubscribeOptions& options = {}) override;
  Result<int> Partitions(std::string_view topic) override;
  [[nodiscard]] std::string_view Kind() const override { return "kafka"; }

  [[nodiscard]] const KafkaSettings& settings() const { return settings_; }

 private:
  class GroupConsumer;
  friend class GroupConsumer;
  KafkaBus(KafkaSettings settings, const Clock& clock, const Logger& log)
      : settings_(std::move(settings)), clock_(clock), log_(log) {}
  Status EnsureTopic(std::string_view topic, int* partitions);
  void ReleaseGroup(const std::string& group);

  KafkaSettings settings_;
  const Clock& clock_;
  const Logger& log_;
  KafkaHandleContext context_{&log_, nullptr};
  rd_kafka_s* producer_ = nullptr;
  std::thread poller_;  // serves delivery reports
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::map<std::string, int, std::less<>> known_topics_;  // guarded by mu_: topic -> partitions
  std::set<std::string> active_groups_;                   // guarded by mu_
};

// `hotpath events tail` on Kafka: reads `topic` without a consumer group (nothing is committed),
// from the beginning or the end, calling `emit` for each record (merged across partitions by
// timestamp within each poll batch) until `emit` returns false, or, without `follow`, until every
// partition's end as it was at the start. A missing topic prints nothing (or is waited for).
Status TailKafka(const KafkaSettings& settings, const std::string& topic, bool from_beginning, bool follow,
                 const std::function<bool(const Record&)>& emit);

}  // namespace hotpath::events
