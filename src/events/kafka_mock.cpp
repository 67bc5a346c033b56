#include "events/kafka_mock.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

#include "events/event_bus.h"

namespace hotpath::events {

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::Start(int brokers, int partitions) {
  if (brokers < 1 || brokers > 16) return Error::Invalid("the mock cluster needs 1 to 16 brokers");
  if (partitions < 1 || partitions > 1000) return Error::Invalid("partitions must be between 1 and 1000");
  std::unique_ptr<KafkaMockCluster> c(new KafkaMockCluster());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only anchors the cluster's bookkeeping; it never connects anywhere.
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Error::Internal(errstr);
  }
  c->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!c->rk_) {
    rd_kafka_conf_destroy(conf);
    return Error::Unavailable(fmt::format("kafka mock: {}", errstr));
  }
  c->cluster_ = rd_kafka_mock_cluster_new(c->rk_, brokers);
  if (!c->cluster_) return Error::Unavailable("kafka mock: cannot start the brokers");
  c->brokers_ = brokers;
  for (auto topic : {kOrdersTopic, kRiderLocationsTopic, kPaymentsTopic, kNotificationsTopic})
    HP_TRY(c->CreateTopic(std::string(topic), partitions));
  return c;
}

KafkaMockCluster::~KafkaMockCluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (rk_) rd_kafka_destroy(rk_);
}

std::string KafkaMockCluster::Bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

Status KafkaMockCluster::CreateTopic(const std::string& topic, int partitions) {
  HP_TRY(ValidateTopic(topic));
  auto err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, std::min(3, brokers_));
  if (err) return Error::Unavailable(fmt::format("kafka mock: topic {}: {}", topic, rd_kafka_err2str(err)));
  return OkStatus();
}

}  // namespace hotpath::events
