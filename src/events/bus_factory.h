#pragma once
// Chooses the event bus from the configured URL:
//   "embedded:"           the embedded log in <data_dir>/events
//   "embedded:/some/dir"  the embedded log in that directory
//   "kafka://h1:9092,h2:9092[?option=value&...]"  Kafka (events/kafka_bus.h); `kafka_properties`
//                         (the [events.kafka] table) are librdkafka settings such as TLS and SASL

#include <map>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "events/event_bus.h"

namespace hotpath::events {

Result<std::unique_ptr<EventBus>> OpenEventBus(const std::string& url, const std::string& data_dir,
                                               const Clock& clock, const Logger& log,
                                               const std::map<std::string, std::string>& kafka_properties = {});

// The directory of the embedded log for this URL and data directory.
std::string EmbeddedRoot(const std::string& url, const std::string& data_dir);

}  // namespace hotpath::events
