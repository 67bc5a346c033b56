#pragma once
// `hotpath dev ...`: local development services.
//   dev kafka [--port P] [--brokers N] [--partitions N]
// runs librdkafka's mock Kafka cluster (events/kafka_mock.h) until SIGTERM or SIGINT.

#include <string>
#include <vector>

namespace hotpath::app {

int DevCommand(const std::vector<std::string>& args);

}  // namespace hotpath::app
