#include "events/bus_factory.h"

#include <fmt/format.h>

#include "events/embedded_bus.h"
#include "events/kafka_bus.h"

namespace hotpath::events {

std::string EmbeddedRoot(const std::string& url, const std::string& data_dir) {
  std::string rest = url.rfind("embedded:", 0) == 0 ? url.substr(9) : "";
  return rest.empty() ? data_dir + "/events" : rest;
}

Result<std::unique_ptr<EventBus>> OpenEventBus(const std::string& url, const std::string& data_dir,
                                               const Clock& clock, const Logger& log,
                                               const std::map<std::string, std::string>& kafka_properties) {
  if (url.empty() || url.rfind("embedded:", 0) == 0) {
    HP_ASSIGN(auto bus, EmbeddedBus::Open(EmbeddedRoot(url, data_dir), clock, log));
    return std::unique_ptr<EventBus>(std::move(bus));
  }
  if (url.rfind("kafka://", 0) == 0) {
    HP_ASSIGN(auto settings, ParseKafkaUrl(url, kafka_properties));
    HP_ASSIGN(auto bus, KafkaBus::Open(std::move(settings), clock, log));
    return std::unique_ptr<EventBus>(std::move(bus));
  }
  return Error::Invalid(fmt::format("unsupported events URL '{}' (this build supports: embedded:, kafka://)", url));
}

}  // namespace hotpath::events
