#pragma once
// CloudEvents 1.0 in the JSON format: the envelope of every event hotpath publishes.
//
//   {"specversion":"1.0","id":"evt_..","source":"/hotpath/orders","type":"order.placed",
//    "subject":"ord_..","time":"2026-11-25T10:00:00.000Z","datacontenttype":"application/json",
//    "dataschema":"https://hotpath.dev/schemas/order-event/v1","data":{..}}
//
// The schema version is the trailing "/v<N>" of `dataschema`; consumers refuse versions they do
// not know rather than guess.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace hotpath::events {

struct CloudEvent {
  std::string id;
  std::string source;
  std::string type;
  std::string subject;
  std::string time;  // RFC 3339 as sent
  std::string dataschema;
  int schema_version = 0;
  boost::json::object data;
  // CloudEvents distributed-tracing extension (W3C traceparent of the request that caused the
  // event; "" when none). A handler continues the trace with
  // RequestScope(ContextForRequest(id, traceparent)) from core/trace.h.
  std::string traceparent;
};

// Strict parse: specversion must be "1.0"; id, source, type and time non-empty strings; data an
// object; dataschema ending in /v<N>. The error says what is wrong (it goes to the dead-letter record).
Result<CloudEvent> ParseCloudEvent(std::string_view json);

// Serialises an event (specversion 1.0, datacontenttype application/json).
std::string SerializeCloudEvent(const CloudEvent& event);

// A new event with a fresh id, `time` = now.
CloudEvent MakeCloudEvent(std::string source, std::string type, std::string subject, std::string schema_name,
                          int schema_version, boost::json::object data, Millis now);

// RFC 3339 -> Unix ms ("2026-11-25T10:00:00Z", fractions and offsets accepted).
Result<Millis> ParseRfc3339(std::string_view text);

}  // namespace hotpath::events
