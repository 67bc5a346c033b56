#pragma once
// HTTP/1.1 + WebSocket + SSE server on Boost.Beast. Only the server's own sources include Beast
// (through the private net/server_impl.h).
//
// Threads: `io_threads` run the sockets; handlers run on a separate pool of `worker_threads` so
// that a handler may block (e.g. waiting for a group commit) without stalling I/O.
// Middleware built in: X-Request-Id (echoed or generated), body limit (413 problem), malformed
// HTTP (400), JSON access log line per request, and an observer hook for metrics.
// Also: read timeouts (idle_timeout bounds a whole request's arrival, so a slowloris cannot hold a
// connection, and never a worker: handlers only run on complete requests), Expect: 100-continue,
// one request at a time per connection (pipelined requests are answered in order).
// The Router passed to the constructor must outlive the Server and not change after Start.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/http.h"
#include "net/router.h"

namespace hotpath::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = pick a free port; see Server::Port()
  int io_threads = 1;
  int worker_threads = 32;
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::seconds idle_timeout{60};
  std::size_t max_stream_queue = 1024;  // queued SSE/WS messages before a slow client is dropped
  std::chrono::seconds sse_keepalive{15};  // SSE keep-alive comment period; 0 disables
  // A WebSocket peer heard from (any frame) within this is kept; one silent for half of it gets a
  // ping, and one that stays silent (no pong either) for all of it is closed. 0 disables.
  std::chrono::milliseconds websocket_idle_timeout{300000};
};

// Open streams and slow clients dropped (Server::Streams).
struct StreamStats {
  std::int64_t websockets = 0;     // WebSocket connections now
  std::int64_t event_streams = 0;  // SSE streams now
  std::uint64_t overflow_disconnects = 0;  // streams closed so far because their queue overflowed
};

// Called after each response with the request (route filled in; "" when unmatched), status and
// latency (from the end of the request headers to the handler's return). Streams (SSE 200, WebSocket 101) are reported once, when they start.
// Runs on a worker thread (or an I/O thread for 400/413 rejections); must be thread-safe.
using Observer = std::function<void(const Request&, int status, double seconds)>;
// One JSON log line per request/incident; the app routes it to its logger. Levels: "info", "warn",
// "error". Lines never carry bodies or header values. Called from worker and I/O threads.
using LogSink = std::function<void(std::string_view level, std::string_view json_line)>;

class Server {
 public:
  Server(ServerOptions options, const Router& router, Observer observer = {}, LogSink log = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Returns an error message on failure (e.g. address in use).
  [[nodiscard]] std::string Start();
  [[nodiscard]] uint16_t Port() const;
  // Requests being read or handled or answered now; SSE and WebSocket streams are not requests.
  [[nodiscard]] int InFlight() const;
  [[nodiscard]] StreamStats Streams() const;
  // Graceful stop: stop accepting, tell streams to go away (WebSocket close 1001, SSE end) at
  // once, let in-flight requests finish (up to `drain`), close what is left
  // (EventStream::OnClose and WebSocketHandlers::on_close run), join all threads. Idempotent; the
  // destructor calls it. A handler that never returns blocks it (threads cannot be abandoned).
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(5000));
  // Deferred answers (Response::Later) that came after Stop closed the server to them: dropped
  // (nothing is written, reported or run; each is logged as a warning while the Server exists).
  // A Completion may outlive the Server: answering it then does nothing.
  [[nodiscard]] std::uint64_t DeferredAnswersDropped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotpath::net
