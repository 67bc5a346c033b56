#include "functions/builtin.h"

#include <algorithm>

#include "events/event_bus.h"

namespace hotpath::functions {

SenderSettings NotifySettings(const Config& config) {
  SenderSettings s;
  s.transport.smtp_url = config.notify_smtp_url;
  s.transport.smtp_from = config.notify_smtp_from;
  s.transport.push_url = config.notify_push_url;
  s.transport.push_key = config.notify_push_key;
  s.transport.timeout = std::chrono::milliseconds(config.function_timeout_ms);
  s.retry_initial = std::chrono::milliseconds(config.notify_retry_initial_ms);
  s.retry_max = std::chrono::milliseconds(std::max(config.notify_retry_max_ms, config.notify_retry_initial_ms));
  s.max_age = std::chrono::seconds(config.notify_max_age_s);
  s.senders = config.notify_senders;
  return s;
}

std::vector<FunctionSpec> BuiltinSpecs(const Config& config) {
  auto spec = [&](std::string name, std::vector<std::string> topics) {
    FunctionSpec s;
    s.name = std::move(name);
    s.topics = std::move(topics);
    s.concurrency = config.function_concurrency;
    s.max_attempts = config.function_max_attempts;
    s.backoff_initial = std::chrono::milliseconds(config.function_backoff_initial_ms);
    s.backoff_max = std::chrono::milliseconds(std::max(config.function_backoff_max_ms, config.function_backoff_initial_ms));
    s.timeout = std::chrono::milliseconds(config.function_timeout_ms);
    return s;
  };
  return {spec("order-status", {std::string(events::kOrdersTopic)}),
          spec("analytics", {std::string(events::kOrdersTopic)}),
          spec("notify", {std::string(events::kOrdersTopic), std::string(events::kNotificationsTopic)})};
}

}  // namespace hotpath::functions
