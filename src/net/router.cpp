#include "net/router.h"

#include <algorithm>
#include <stdexcept>

#include "net/middleware.h"

namespace hotpath::net {
namespace {

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// "/a/b/" -> ["a","b"]; "/" -> []. One trailing slash is ignored; other empty segments are kept
// (as "") so that they never match.
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return segments;
  while (true) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

template <typename Segments>
bool Matches(const std::vector<std::string>& pattern, const Segments& segments) {
  if (pattern.size() != segments.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (segments[i].empty()) return false;
    if (!IsParam(pattern[i]) && pattern[i] != segments[i]) return false;
  }
  return true;
}

// True when `a` is more specific than `b` (both match the same path): at the first segment where
// one is literal and the other a parameter, the literal wins.
bool MoreSpecific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const bool a_param = IsParam(a[i]);
    const bool b_param = IsParam(b[i]);
    if (a_param != b_param) return !a_param;
  }
  return false;
}

}  // namespace

void Router::AddNonBlocking(std::string method, std::string route_template, Handler handler) {
  Add(std::move(method), std::move(route_template), std::move(handler));
  entries_.back().non_blocking = true;
}

bool Router::IsNonBlocking(std::string_view method, std::string_view path) const {
  const Lookup found = Find(method, path);
  return found.entry != nullptr && found.entry->non_blocking;
}

void Router::Add(std::string method, std::string route_template, Handler handler) {
  if (route_template.empty() || route_template.front() != '/') {
    throw std::logic_error("route template must start with '/': " + route_template);
  }
  std::vector<std::string> segments;
  for (const auto segment : Split(route_template)) {
    if (segment.empty() || segment == "{}") {
      throw std::logic_error("malformed route template: " + route_template);
    }
    segments.emplace_back(segment);
  }
  for (const auto& entry : entries_) {
    if (entry.method != method || entry.segments.size() != segments.size()) continue;
    bool same = true;  // same shape: equal literals, parameters in the same places (names aside)
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      same = IsParam(entry.segments[i]) ? IsParam(segments[i]) : entry.segments[i] == segments[i];
    }
    if (same) throw std::logic_error("duplicate route: " + method + " " + route_template);
  }
  entries_.push_back(
      Entry{std::move(method), std::move(route_template), std::move(segments), std::move(handler)});
}

Router::Lookup Router::Find(std::string_view method, std::string_view path) const {
  Lookup lookup;
  const auto segments = Split(path);
  for (const auto& entry : entries_) {
    if (!Matches(entry.segments, segments)) continue;
    lookup.path_matches.push_back(&entry);
    if (entry.method != method) continue;
    if (lookup.entry == nullptr || MoreSpecific(entry.segments, lookup.entry->segments))
      lookup.entry = &entry;
  }
  if (lookup.entry == nullptr && method == "HEAD") {
    // HEAD is GET without the body (RFC 9110 9.3.2); the session drops the body when writing.
    for (const Entry* entry : lookup.path_matches) {
      if (entry->method != "GET") continue;
      if (lookup.entry == nullptr || MoreSpecific(entry->segments, lookup.entry->segments))
        lookup.entry = entry;
    }
  }
  return lookup;
}

Response Router::Dispatch(Request& request) const { return Dispatch(request, nullptr); }

Response Router::Dispatch(Request& request, std::string* error) const {
  request.route.clear();
  request.params.clear();
  const Lookup lookup = Find(request.method, request.path);
  if (lookup.entry == nullptr) {
    if (lookup.path_matches.empty()) {
      return StockProblem(404, "not-found", "Not Found", "No resource at " + request.path + ".");
    }
    std::vector<std::string_view> methods;
    std::string allow;
    for (const Entry* entry : lookup.path_matches) {
      if (std::find(methods.begin(), methods.end(), entry->method) != methods.end()) continue;
      methods.push_back(entry->method);
      if (!allow.empty()) allow += ", ";
      allow += entry->method;
    }
    Response response =
        StockProblem(405, "method-not-allowed", "Method Not Allowed",
                     "Method " + request.method + " is not allowed here; allowed: " + allow + ".");
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  const Entry& entry = *lookup.entry;
  request.route = entry.route;
  const auto segments = Split(request.path);
  for (std::size_t i = 0; i < entry.segments.size(); ++i) {
    const std::string& pattern = entry.segments[i];
    if (IsParam(pattern)) request.params[pattern.substr(1, pattern.size() - 2)] = std::string(segments[i]);
  }
  try {
    if (admission_) {
      if (auto refused = admission_(request)) return std::move(*refused);
    }
    return entry.handler(request);
  } catch (const std::exception& e) {
    if (error != nullptr) *error = e.what();
  } catch (...) {
    if (error != nullptr) *error = "unknown exception";
  }
  return StockProblem(500, "internal", "Internal Server Error",
                      "The server failed to handle the request (request id " + request.request_id + ").");
}

std::string Router::Match(std::string_view method, std::string_view path) const {
  const Lookup lookup = Find(method, path);
  return lookup.entry == nullptr ? std::string() : lookup.entry->route;
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> routes;
  routes.reserve(entries_.size());
  for (const auto& entry : entries_) routes.push_back(RouteInfo{entry.method, entry.route});
  return routes;
}

}  // namespace hotpath::net
