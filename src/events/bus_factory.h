#pragma once
// Chooses the event bus from the configured URL:
//   "embedded:"           the embedded log in <data_dir>/events
//   "embedded:/some/dir"  the embedded log in that directory
//   "kafka://h1:9092,h2:9092[?option=value&...]"  Kafka (when this build has librdkafka)

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "events/event_bus.h"

namespace hotpath::events {

Result<std::unique_ptr<EventBus>> OpenEventBus(const std::string& url, const std::string& data_dir,
                                               const Clock& clock, const Logger& log);

// The directory of the embedded log for this URL and data directory.
std::string EmbeddedRoot(const std::string& url, const std::string& data_dir);

}  // namespace hotpath::events
