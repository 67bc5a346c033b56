#include "net/router.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "net/middleware.h"

namespace hotpath::net {
namespace {

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// "/a/b/" -> ["a","b"]; "/" -> []. One trailing slash is ignored; other empty segments are kept
// (as "") so that they never match. A path of more than kMaxSegments segments matches no template
// (`overflow`).
struct Segments {
  std::array<std::string_view, Router::kMaxSegments> items{};
  std::size_t count = 0;
  bool overflow = false;
  [[nodiscard]] std::size_t size() const { return count; }
  const std::string_view& operator[](std::size_t i) const { return items[i]; }
};

Segments Split(std::string_view path) {
  Segments segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return segments;
  while (true) {
    const auto slash = path.find('/');
    if (segments.count == segments.items.size()) {
      segments.overflow = true;
      return segments;
    }
    segments.items[segments.count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool Matches(const std::vector<std::string>& pattern, const Segments& segments) {
  if (segments.overflow || pattern.size() != segments.size()) return false;
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
  return Resolve(method, path).non_blocking;
}

void Router::Add(std::string method, std::string route_template, Handler handler) {
  if (route_template.empty() || route_template.front() != '/') {
    throw std::logic_error("route template must start with '/': " + route_template);
  }
  const Segments split = Split(route_template);
  if (split.overflow) throw std::logic_error("route template has too many segments: " + route_template);
  std::vector<std::string> segments;
  for (std::size_t i = 0; i < split.size(); ++i) {
    const std::string_view segment = split[i];
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

Router::Resolved Router::Resolve(std::string_view method, std::string_view path) const {
  const Segments segments = Split(path);
  const Entry* best = nullptr;
  const Entry* best_get = nullptr;  // HEAD is GET without the body (RFC 9110 9.3.2) when no HEAD route
  const bool head = method == "HEAD";
  for (const auto& entry : entries_) {
    if (entry.method == method) {
      if (!Matches(entry.segments, segments)) continue;
      if (best == nullptr || MoreSpecific(entry.segments, best->segments)) best = &entry;
    } else if (head && entry.method == "GET") {
      if (!Matches(entry.segments, segments)) continue;
      if (best_get == nullptr || MoreSpecific(entry.segments, best_get->segments)) best_get = &entry;
    }
  }
  if (best == nullptr) best = best_get;  // the session drops the body when writing
  return Resolved{best, best != nullptr && best->non_blocking};
}

std::vector<const Router::Entry*> Router::PathMatches(std::string_view path) const {
  const Segments segments = Split(path);
  std::vector<const Entry*> matches;
  for (const auto& entry : entries_) {
    if (Matches(entry.segments, segments)) matches.push_back(&entry);
  }
  return matches;
}

Response Router::Dispatch(Request& request) const { return Dispatch(request, nullptr); }

Response Router::Dispatch(Request& request, std::string* error) const {
  return Dispatch(request, Resolve(request.method, request.path), error);
}

Response Router::Dispatch(Request& request, const Resolved& resolved, std::string* error) const {
  request.route.clear();
  request.params.clear();
  if (resolved.entry == nullptr) {
    const std::vector<const Entry*> path_matches = PathMatches(request.path);
    if (path_matches.empty()) {
      return StockProblem(404, "not-found", "Not Found", "No resource at " + request.path + ".");
    }
    std::vector<std::string_view> methods;
    std::string allow;
    for (const Entry* entry : path_matches) {
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
  const Entry& entry = *resolved.entry;
  request.route = entry.route;
  const Segments segments = Split(request.path);
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
  const Resolved resolved = Resolve(method, path);
  return resolved.entry == nullptr ? std::string() : resolved.entry->route;
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> routes;
  routes.reserve(entries_.size());
  for (const auto& entry : entries_) routes.push_back(RouteInfo{entry.method, entry.route});
  return routes;
}

}  // namespace hotpath::net
