#pragma once
// Process metrics on prometheus-cpp, exposed in the Prometheus text format at /metrics. Route
// labels are templates ("/v1/orders/{id}"), never raw paths, so cardinality stays bounded.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace hotpath::ops {

class Metrics {
 public:
  Metrics();
  void ObserveRequest(const std::string& method, const std::string& route, int status, double seconds);
  void CountOrderStatus(const std::string& status);
  [[nodiscard]] std::string Render() const;
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& orders_;
};

}  // namespace hotpath::ops
