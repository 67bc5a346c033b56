#pragma once
// librdkafka's built-in mock Kafka cluster (rd_kafka_mock_cluster_new): real Kafka protocol
// brokers in this process, on 127.0.0.1 ephemeral ports, keeping everything in memory. For
// `hotpath dev kafka` and the Kafka tests; not for production (no disk, no replication).

#include <memory>
#include <string>

#include "core/result.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace hotpath::events {

class KafkaMockCluster {
 public:
  // Starts `brokers` brokers (1..16) and creates hotpath's standard topics with `partitions`
  // partitions each (replication factor min(3, brokers)).
  static Result<std::unique_ptr<KafkaMockCluster>> Start(int brokers, int partitions = 4);
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:p1,127.0.0.1:p2,..."
  [[nodiscard]] std::string Bootstrap() const;
  [[nodiscard]] int brokers() const { return brokers_; }
  Status CreateTopic(const std::string& topic, int partitions);

 private:
  KafkaMockCluster() = default;
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_ = 0;
};

}  // namespace hotpath::events
