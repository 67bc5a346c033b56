#include "net/http.h"

#include <strings.h>

#include "net/json_text.h"

namespace hotpath::net {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string> Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

const std::string& Request::Param(const std::string& name) const {
  static const std::string kEmpty;
  const auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

Response Response::Json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::Problem(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "application/problem+json";
  response.body = std::move(body);
  return response;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

Response Response::Sse(std::function<void(const std::shared_ptr<EventStream>&)> start) {
  Response response;
  response.status = 200;
  response.content_type = "text/event-stream";
  response.sse = std::move(start);
  return response;
}

Response Response::Upgrade(WebSocketHandlers handlers) {
  Response response;
  response.status = 101;
  response.content_type.clear();
  response.websocket = std::move(handlers);
  return response;
}

Response Response::Later(std::function<void(std::shared_ptr<Completion>)> later) {
  Response response;
  response.later = std::move(later);
  return response;
}

std::string ProblemBody(int status, std::string_view type, std::string_view title, std::string_view detail) {
  std::string out = "{\"type\":";
  AppendJsonString(out, type);
  out += ",\"title\":";
  AppendJsonString(out, title);
  out += ",\"status\":";
  out += std::to_string(status);
  out += ",\"detail\":";
  AppendJsonString(out, detail);
  out += '}';
  return out;
}

}  // namespace hotpath::net
