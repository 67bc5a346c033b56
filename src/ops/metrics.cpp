#include "ops/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace hotpath::ops {

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("hotpath_http_requests_total")
                    .Help("HTTP requests by route template, method and status")
                    .Register(*registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("hotpath_http_request_duration_seconds")
                     .Help("HTTP request latency by route template")
                     .Register(*registry_)),
      orders_(prometheus::BuildCounter()
                  .Name("hotpath_orders_total")
                  .Help("Order status changes by new status")
                  .Register(*registry_)) {}

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int status,
                             double seconds) {
  const std::string label = route.empty() ? "unmatched" : route;
  requests_.Add({{"route", label}, {"method", method}, {"status", std::to_string(status)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
  durations_.Add({{"route", label}}, kBuckets).Observe(seconds);
}

void Metrics::CountOrderStatus(const std::string& status) { orders_.Add({{"status", status}}).Increment(); }

std::string Metrics::Render() const {
  prometheus::TextSerializer serializer;
  std::ostringstream out;
  serializer.Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace hotpath::ops
