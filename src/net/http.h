#pragma once
// Transport-neutral HTTP types shared by the server and every context's handlers.
// Nothing here includes Boost.Beast: domain code sees only these plain structs.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hotpath::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;   // upper case: "GET", "POST", ...
  std::string target;   // raw request target, with query string
  std::string path;     // percent-decoded path, without query
  std::string route;    // matched route template, e.g. "/v1/orders/{id}"; empty when unmatched
  std::unordered_map<std::string, std::string> params;  // path parameters by template name
  std::vector<std::pair<std::string, std::string>> query;  // decoded query parameters, in order
  HeaderList headers;   // as received; names keep their case
  std::string body;
  std::string request_id;   // X-Request-Id (the client's if well-formed, else generated)
  std::string remote_addr;  // peer IP address
  // W3C trace context of this request: the caller's trace id (from a valid `traceparent` header)
  // or a new one, and this server's span id. Handlers run with it installed (core/trace.h).
  std::string trace_id;
  std::string span_id;
  std::string trace_flags = "01";

  // Case-insensitive header lookup; the first occurrence wins.
  [[nodiscard]] std::optional<std::string> Header(std::string_view name) const;
  // First value of a query parameter.
  [[nodiscard]] std::optional<std::string> Query(std::string_view name) const;
  // A path parameter; empty if the route has none of that name.
  [[nodiscard]] const std::string& Param(const std::string& name) const;
};

class EventStream;
class WebSocket;

// Callbacks of a WebSocket connection. They run on server threads; they must not block long.
// (They run on the worker pool, one at a time per connection and in order: on_open, on_message for
// each text message, on_close exactly once if on_open ran. The next message is read only after
// on_message returns. Binary frames are ignored; messages over max_body_bytes close the socket.)
struct WebSocketHandlers {
  std::function<void(const std::shared_ptr<WebSocket>&)> on_open;
  std::function<void(const std::shared_ptr<WebSocket>&, std::string_view text)> on_message;
  std::function<void(const std::shared_ptr<WebSocket>&)> on_close;
  // Optional fast path, tried first for every text message on the connection's I/O thread (no hop
  // to the worker pool): it handles the message and returns true only when that cannot block
  // (in-memory work and queued sends); false hands the message to on_message as usual. Either way
  // the next message is read after it returns, so messages stay in order.
  std::function<bool(const std::shared_ptr<WebSocket>&, std::string_view text)> try_inline;
};

struct Response;

// The end of a response that a handler finishes later (Response::Later). Thread-safe; exactly one of
// Reply and Offload is called, once (a Completion dropped without either answers 500).
class Completion {
 public:
  virtual ~Completion() = default;
  // The answer, from any thread; it must not block.
  virtual void Reply(Response response) = 0;
  // Runs `work` on the worker pool (it may block) and answers with its result.
  virtual void Offload(std::function<Response()> work) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;

  // When set (and status is 200) the server answers with `text/event-stream` headers and keeps the
  // connection open, then calls this with the stream. The stream lives until the client leaves or
  // Close() is called. (`start` runs on a worker thread; extra `headers` are sent; with any other
  // status the response is an ordinary one and `start` never runs.)
  std::function<void(const std::shared_ptr<EventStream>&)> sse;
  // When set the server performs the WebSocket upgrade (426 problem if the request is not an
  // upgrade) and drives these callbacks.
  std::optional<WebSocketHandlers> websocket;
  // When set, this response is a placeholder: the server calls `later` (on the handler's thread, as
  // soon as the handler returned) with the Completion that carries the real answer. For reads that
  // wait for a shared round trip without holding a thread (the menu's near copy). The access log
  // and request metrics see the real answer.
  std::function<void(std::shared_ptr<Completion>)> later;

  static Response Json(int status, std::string body);
  // RFC 9457 problem body, already serialised JSON; content type application/problem+json.
  static Response Problem(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  static Response Sse(std::function<void(const std::shared_ptr<EventStream>&)> start);
  static Response Upgrade(WebSocketHandlers handlers);
  static Response Later(std::function<void(std::shared_ptr<Completion>)> later);
};

// An open Server-Sent Events stream. Thread-safe. Sending never blocks: events queue per
// connection and a slow client is disconnected once its queue exceeds a bound (after a last
// `event: overflow` whose data is {"reason": ...}, written if the client reads within 2 seconds).
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues `id: <id>\nevent: <event>\ndata: <data>\n\n` (id/event lines omitted when empty; data
  // split on newlines). Returns false when the stream is closed.
  virtual bool Send(std::string_view id, std::string_view event, std::string_view data) = 0;
  // Coalescing send (no id): replaces the event of the same `slot` still waiting in the queue, if
  // any, so a slow client gets only the newest (positions). Counts once toward the bound.
  virtual bool SendLatest(std::string_view slot, std::string_view event, std::string_view data) = 0;
  // Queues an SSE comment line (keep-alive).
  virtual bool Comment(std::string_view text) = 0;
  [[nodiscard]] virtual bool IsOpen() const = 0;
  virtual void Close() = 0;
  // Runs once when the stream closes for any reason (immediately if already closed).
  virtual void OnClose(std::function<void()> callback) = 0;
};

// An open WebSocket. Thread-safe; Send never blocks (bounded queue; a slow client whose queue
// overflows is closed with code 1008 and a reason saying so, or dropped if it does not read it
// within 2 seconds).
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  virtual bool Send(std::string text) = 0;
  // Coalescing send: replaces the message of the same `slot` still waiting in the queue, if any
  // (only the newest position matters). Counts once toward the bound.
  virtual bool SendLatest(std::string slot, std::string text) = 0;
  [[nodiscard]] virtual bool IsOpen() const = 0;
  virtual void Close() = 0;
  // Free slot for the application: e.g. the authenticated user and the subscriptions.
  std::shared_ptr<void> user_data;
};

using Handler = std::function<Response(Request&)>;

// Builds an RFC 9457 problem body: {"type":..,"title":..,"status":..,"detail":..}. `type` is a
// stable URI-like string ("https://hotpath.dev/problems/not-found").
std::string ProblemBody(int status, std::string_view type, std::string_view title, std::string_view detail);

}  // namespace hotpath::net
