#pragma once
// The event bus: durable, partitioned topics with consumer groups. Two implementations: the
// embedded log in the data directory (events/embedded_bus.h, the default) and Kafka.
//
// Publishing (what other contexts need, e.g. tracking publishing rider fixes):
//
//   auto bus = events::OpenEventBus(config.events_url, config.data_dir, log);   // once, at startup
//   HP_ASSIGN(auto pos, bus->Publish("riders.locations", rider_id, cloud_event_json));
//
// Publish returns once the record is durable (embedded: written and fdatasync'd, grouped with
// every other append waiting at that moment; Kafka: acknowledged by all in-sync replicas). Records
// with the same key go to the same partition and are read back in publish order. Values are
// opaque bytes to the bus; hotpath publishes CloudEvents 1.0 JSON (events/cloud_event.h).
//
// Consuming: Subscribe(group, topics) gives a Consumer that starts at the group's committed offsets
// (or the earliest record when the group has none); Poll returns records; Commit(topic, partition,
// next_offset) records progress once a record's effects are done. All methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace hotpath::events {

struct Message {
  std::string key;
  std::string value;
};

struct Position {
  int partition = 0;
  std::int64_t offset = 0;
};

struct Record {
  std::string topic;
  int partition = 0;
  std::int64_t offset = 0;
  Millis timestamp = 0;  // append time (Unix ms)
  std::string key;
  std::string value;
};

struct SubscribeOptions {
  // Where a partition starts when the group has no committed offset for it.
  bool start_at_latest = false;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Up to `max` records, waiting at most `wait` for the first one. Records of one partition come in
  // offset order; an empty vector means nothing new arrived.
  virtual Result<std::vector<Record>> Poll(std::size_t max, std::chrono::milliseconds wait) = 0;
  // The group has processed everything before `next_offset` in this partition. Also moves this
  // consumer's read position there if it was behind.
  virtual Status Commit(const std::string& topic, int partition, std::int64_t next_offset) = 0;
  // Makes the commits so far durable (called by Close and periodically by the implementation).
  virtual Status Flush() = 0;
  // Replay: the next Poll reads this partition from `offset` (clamped to the retained range).
  virtual Status Seek(const std::string& topic, int partition, std::int64_t offset) = 0;
  // Replay by time: every subscribed partition restarts at its first record appended at or after `at`.
  virtual Status SeekToTime(Millis at) = 0;
  // Records published but not yet committed by this group, over all subscribed partitions.
  virtual Result<std::int64_t> Lag() = 0;
};

class EventBus {
 public:
  virtual ~EventBus() = default;
  // Appends one record durably; the partition is chosen by hashing `key` (stable across restarts).
  virtual Result<Position> Publish(std::string_view topic, std::string_view key, std::string_view value) = 0;
  // Appends many records in order (one durable write for all); positions in the same order.
  virtual Result<std::vector<Position>> PublishBatch(std::string_view topic,
                                                     const std::vector<Message>& messages) = 0;
  virtual Result<std::unique_ptr<Consumer>> Subscribe(const std::string& group,
                                                      const std::vector<std::string>& topics,
                                                      const SubscribeOptions& options = {}) = 0;
  // Number of partitions of a topic (creating it with the default count if it does not exist).
  virtual Result<int> Partitions(std::string_view topic) = 0;
  // "embedded" or "kafka".
  [[nodiscard]] virtual std::string_view Kind() const = 0;
};

// Topic names: 1..200 characters of [A-Za-z0-9._-] (the Kafka rule). Error names the topic.
Status ValidateTopic(std::string_view topic);

// The topics hotpath itself publishes.
inline constexpr std::string_view kOrdersTopic = "orders";
inline constexpr std::string_view kRiderLocationsTopic = "riders.locations";
inline constexpr std::string_view kPaymentsTopic = "payments";
inline constexpr std::string_view kNotificationsTopic = "notifications";
// Dead letters of function NAME go to "dlq.NAME".
std::string DeadLetterTopic(std::string_view function_name);

}  // namespace hotpath::events
