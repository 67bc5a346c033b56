#pragma once
// Route table: method + path template ("/v1/orders/{id}") -> handler. Templates are matched segment
// by segment; `{name}` matches one non-empty segment. Literal segments win over parameters, compared
// from the left: "/v1/riders/me/online" beats "/v1/riders/{id}/online" for the path
// "/v1/riders/me/online". Among the templates matching a path, the most specific one that has the
// request's method wins; only when none has it is the answer 405.
//
// Trailing slash: tolerated. "/v1/orders/" matches "/v1/orders" (one trailing slash is ignored on
// both paths and templates); empty segments elsewhere ("/v1//orders") never match. Matching is on
// the percent-decoded path, case-sensitive.
//
// Not thread-safe to Add while dispatching; register everything before Server::Start. Dispatch is
// const and safe to call concurrently.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"

namespace hotpath::net {

struct RouteInfo {
  std::string method;
  std::string route;  // template
};

class Router {
 public:
  // Registers a handler. Registering the same method and template twice throws std::logic_error
  // (so does a malformed template: not starting with '/', or an empty "{}" parameter name).
  void Add(std::string method, std::string route_template, Handler handler);
  // The same for a handler that never waits (no database write, no lock held for long): the server
  // runs it on the I/O thread and saves the hand-off to the worker pool. For hot cached reads.
  void AddNonBlocking(std::string method, std::string route_template, Handler handler);
  // True when the route a request would take was registered with AddNonBlocking.
  [[nodiscard]] bool IsNonBlocking(std::string_view method, std::string_view path) const;

  // A request's route looked up once (the server asks whether it may run it inline, then
  // dispatches the same lookup). Valid while the router lives.
  struct Entry;
  struct Resolved {
    const Entry* entry = nullptr;  // null: no route of that method (404 or 405)
    bool non_blocking = false;     // registered with AddNonBlocking
  };
  [[nodiscard]] Resolved Resolve(std::string_view method, std::string_view path) const;
  // Dispatch with a lookup Resolve made for this request's method and path.
  [[nodiscard]] Response Dispatch(Request& request, const Resolved& resolved, std::string* error) const;

  // Runs before every matched route's handler (route and params filled in): a response refuses the
  // request with it (rate limits), nullopt lets it through. Set before Server::Start.
  using Admission = std::function<std::optional<Response>(const Request&)>;
  void SetAdmission(Admission admission) { admission_ = std::move(admission); }

  // Fills request.route and request.params, then runs the handler. Unknown path -> 404 problem;
  // known path with another method -> 405 problem with an Allow header. A handler that throws
  // gets a 500 problem (logged by the server); handlers are expected to return 4xx themselves.
  [[nodiscard]] Response Dispatch(Request& request) const;
  // The same; when the handler throws, `*error` (if not null) receives the exception's text so the
  // server can log it. The client's 500 problem never carries it.
  [[nodiscard]] Response Dispatch(Request& request, std::string* error) const;

  // The route template a request would match ("" if none): used for metrics labels.
  [[nodiscard]] std::string Match(std::string_view method, std::string_view path) const;

  // Every registered (method, template) pair, in registration order (the OpenAPI sync test).
  [[nodiscard]] std::vector<RouteInfo> Routes() const;

  // Templates have at most this many segments (Add throws beyond): a lookup splits paths into a
  // fixed array, without allocating.
  static constexpr std::size_t kMaxSegments = 24;

  struct Entry {
    std::string method;
    std::string route;
    std::vector<std::string> segments;
    Handler handler;
    bool non_blocking = false;
  };

 private:
  [[nodiscard]] std::vector<const Entry*> PathMatches(std::string_view path) const;  // any method

  std::vector<Entry> entries_;
  Admission admission_;
};

}  // namespace hotpath::net
