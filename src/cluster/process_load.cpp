#include "cluster/process_load.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>

namespace hotpath::cluster {
namespace bj = boost::json;

const std::set<std::string> kStreamRoutes = {"/v1/ws", "/v1/orders/{id}/events"};

ProcessLoad LoadOf(const std::vector<prometheus::MetricFamily>& families) {
  ProcessLoad load;
  load.in_flight = GaugeValue(families, "hotpath_http_requests_in_flight").value_or(0);
  load.latency = RequestLatency(families, kStreamRoutes);
  return load;
}

std::string LoadReportToJson(const LoadReport& report) {
  bj::array rows;
  for (const auto& p : report.processes) {
    bj::array buckets;
    for (const auto& [bound, count] : p.latency.buckets) {
      bj::value b = std::isinf(bound) ? bj::value("+Inf") : bj::value(bound);
      buckets.push_back(bj::array{std::move(b), static_cast<std::int64_t>(std::llround(count))});
    }
    rows.push_back(bj::object{
        {"slot", p.slot}, {"pid", p.pid}, {"in_flight", p.in_flight}, {"latency", std::move(buckets)}});
  }
  return bj::serialize(bj::object{{"at_ms", report.at_ms}, {"processes", std::move(rows)}});
}

namespace {

std::optional<double> Number(const bj::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

std::optional<Histogram> ParseLatency(const bj::value* v) {
  if (!v || !v->is_array()) return std::nullopt;
  Histogram h;
  for (const auto& b : v->as_array()) {
    const auto* pair = b.if_array();
    if (!pair || pair->size() != 2) return std::nullopt;
    std::optional<double> bound = (*pair)[0].is_string() && (*pair)[0].as_string() == "+Inf"
                                      ? std::optional<double>(std::numeric_limits<double>::infinity())
                                      : Number((*pair)[0]);
    auto count = Number((*pair)[1]);
    if (!bound || !count) return std::nullopt;
    h.buckets[*bound] = *count;
  }
  return h;
}

}  // namespace

Result<LoadReport> ParseLoadReport(std::string_view json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(json, ec);
  const auto* o = !ec ? v.if_object() : nullptr;
  const auto* at = o ? o->if_contains("at_ms") : nullptr;
  const auto* rows = o ? o->if_contains("processes") : nullptr;
  if (!at || !at->is_int64() || !rows || !rows->is_array())
    return Error::Invalid("load report: not {\"at_ms\": ..., \"processes\": [...]}");
  LoadReport report;
  report.at_ms = at->as_int64();
  for (const auto& row : rows->as_array()) {
    const auto* p = row.if_object();
    const bj::value* slot = p ? p->if_contains("slot") : nullptr;
    const bj::value* pid = p ? p->if_contains("pid") : nullptr;
    const bj::value* in_flight = p ? p->if_contains("in_flight") : nullptr;
    auto latency = ParseLatency(p ? p->if_contains("latency") : nullptr);
    auto flight = in_flight ? Number(*in_flight) : std::nullopt;
    if (!slot || !slot->is_string() || !pid || !pid->is_int64() || !flight || !latency)
      return Error::Invalid(fmt::format("load report: bad entry {}", bj::serialize(row)));
    report.processes.push_back(
        {std::string(slot->as_string()), static_cast<pid_t>(pid->as_int64()), *flight, std::move(*latency)});
  }
  return report;
}

}  // namespace hotpath::cluster
