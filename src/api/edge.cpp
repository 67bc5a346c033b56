#include "api/edge.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace hotpath::api {

net::Response ErrorResponse(const Error& error) {
  int status = HttpStatus(error.code);
  bj::object body;
  body["type"] = fmt::format("https://hotpath.dev/problems/{}", ProblemSlug(error.code));
  body["title"] = Title(error.code);
  body["status"] = status;
  body["detail"] = error.message;
  if (!error.fields.empty()) {
    bj::array fields;
    for (const auto& f : error.fields) fields.push_back(bj::object{{"field", f.field}, {"reason", f.reason}});
    body["errors"] = std::move(fields);
  }
  for (const auto& [k, v] : error.extras) {
    boost::system::error_code ec;
    auto parsed = bj::parse(v, ec);
    body[k] = ec ? bj::value(v) : parsed;
  }
  return net::Response::Problem(status, bj::serialize(body));
}

net::Response JsonResponse(int status, const bj::value& body) {
  return net::Response::Json(status, bj::serialize(body));
}

Result<bj::object> ParseBody(const net::Request& request, bool allow_empty) {
  if (!request.body.empty()) {
    auto ct = request.Header("Content-Type");
    if (ct && ct->find("json") == std::string::npos) {
      return Error{ErrorCode::kUnsupportedMedia,
                   fmt::format("Content-Type must be application/json, got '{}'", *ct),
                   {},
                   {}};
    }
  }
  return json::ParseObject(request.body, allow_empty);
}

Result<std::optional<double>> QueryNumber(const net::Request& r, const std::string& name, double min,
                                          double max) {
  auto v = r.Query(name);
  if (!v) return std::optional<double>{};
  char* end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  if (v->empty() || end != v->c_str() + v->size() || !std::isfinite(d) || d < min || d > max) {
    return Error::Invalid(
        fmt::format("query parameter '{}' must be a number between {} and {}", name, min, max),
        {{name, fmt::format("must be a number between {} and {}", min, max)}});
  }
  return std::optional<double>(d);
}

Result<std::optional<std::int64_t>> QueryInt(const net::Request& r, const std::string& name, std::int64_t min,
                                             std::int64_t max) {
  auto v = r.Query(name);
  if (!v) return std::optional<std::int64_t>{};
  char* end = nullptr;
  long long d = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || end != v->c_str() + v->size() || d < min || d > max) {
    return Error::Invalid(
        fmt::format("query parameter '{}' must be an integer between {} and {}", name, min, max),
        {{name, fmt::format("must be an integer between {} and {}", min, max)}});
  }
  return std::optional<std::int64_t>(d);
}

}  // namespace hotpath::api
