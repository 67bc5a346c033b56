#pragma once
// The HTTP edge shared by every context's handlers: typed errors become RFC 9457 problem+json,
// JSON values become responses, and request bodies are parsed strictly.

#include <boost/json/value.hpp>

#include "core/error.h"
#include "core/json.h"
#include "core/result.h"
#include "net/http.h"

namespace hotpath::api {

namespace bj = boost::json;

// {"type":"https://hotpath.dev/problems/<slug>","title","status","detail","errors":[{field,reason}],..extras}
net::Response ErrorResponse(const Error& error);
net::Response JsonResponse(int status, const bj::value& body);

template <typename T>
net::Response Respond(const Result<T>& r, int status, const std::function<bj::value(const T&)>& to_json) {
  if (!r.ok()) return ErrorResponse(r.error());
  return JsonResponse(status, to_json(r.value()));
}

// Parses the JSON object body; a non-JSON content type is refused with 415-like 400 detail.
Result<bj::object> ParseBody(const net::Request& request, bool allow_empty = false);

// Query parameter helpers with range checks (errors name the parameter).
Result<std::optional<double>> QueryNumber(const net::Request& r, const std::string& name, double min,
                                          double max);
Result<std::optional<std::int64_t>> QueryInt(const net::Request& r, const std::string& name, std::int64_t min,
                                             std::int64_t max);

}  // namespace hotpath::api
