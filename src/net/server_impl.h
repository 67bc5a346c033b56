#pragma once
// Private to the server's translation units (server.cpp, http_session.cpp, stream_session.cpp):
// the only header of net/ that includes Beast. Never include it from a public header.
//
// Ownership: sessions are owned by their pending asynchronous operations (shared_from_this) and
// listed weakly in ServerCore::sessions so that Stop can close them. The SSE/WebSocket handles given
// to the application point to their session weakly, so an application may keep a handle after the
// connection, or the whole server, is gone: it then reports closed.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/http.h"
#include "net/router.h"
#include "net/server.h"

namespace hotpath::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using HttpRequest = http::request<http::string_body>;

// A connection Stop can close.
class Session {
 public:
  virtual ~Session() = default;
  // Thread-safe: asks the session (on its strand) to close.
  virtual void Shutdown() = 0;
  // Called by Stop once the I/O and worker threads are joined (so nothing else touches the
  // session): close the socket and release application callbacks (OnClose, on_close) that have not
  // run yet. Runs on the stopping thread.
  virtual void CloseAfterStop() = 0;
};

struct ServerCore;

// Whether a deferred answer (Response::Later) may still reach the server. A Completion may be
// answered from any thread at any time: also after Stop joined the threads (a Redis read that
// outlasted the grace) or after the Server was destroyed. It holds this gate (shared) and its
// session only weakly; it answers under the shared lock and only while `open`, so nothing it does
// touches the io_context, the worker pool or the core once Stop closed the gate (exclusive lock).
// A late answer is dropped, counted and, while the core exists, logged.
struct AnswerGate {
  std::shared_mutex mutex;
  bool open = true;            // GUARDED_BY(mutex): answers are posted to the strand and workers
  ServerCore* core = nullptr;  // GUARDED_BY(mutex): null once the server is destroyed
  std::atomic<std::uint64_t> dropped{0};
};

struct ServerCore {
  ServerCore(ServerOptions options_in, const Router& router_in, Observer observer_in, LogSink log_in);
  ~ServerCore();
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  void Register(const std::shared_ptr<Session>& session);
  void Unregister(const Session* session);
  void BeginRequest();
  void EndRequest();

  // Runs on a worker: routes, logs a throwing handler, turns a WebSocket response to a non-upgrade
  // request into 426, then reports the outcome (observer + access log).
  // `route` is the router's lookup for this request (Router::Resolve), made once by the session.
  Response Handle(Request& request, const Router::Resolved& route, bool is_upgrade, Clock::time_point started);
  // Observer + access log line; never throws.
  void Report(const Request& request, int status, Clock::time_point started);
  void Log(std::string_view level, const std::string& line);
  // Closes the gate: no deferred answer reaches the server any more. Stop calls it before it stops
  // the I/O threads; the destructor too.
  void CloseGate();

  const ServerOptions options;
  const Router& router;
  const Observer observer;
  const LogSink log;

  // Declared before `ioc`: sessions destroyed with the io_context still unregister here.
  std::mutex mutex;
  std::condition_variable changed;                                      // sessions or in_flight changed
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;  // GUARDED_BY(mutex)
  // Requests in flight: counted without the mutex; the last one to end after `stopping` is set
  // notifies `changed` under it (Stop waits for zero).
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  // Stream sessions alive, and those disconnected for overflowing their queue (Server::Streams).
  std::atomic<std::int64_t> websockets{0}, event_streams{0};
  std::atomic<std::uint64_t> overflows{0};
  const std::shared_ptr<AnswerGate> gate = std::make_shared<AnswerGate>();

  // `workers` outlives `ioc`: sessions destroyed with the io_context still hold strands of the pool.
  asio::thread_pool workers;
  asio::io_context ioc;
};

// The session side of an SSE/WebSocket handle. All methods run on the session's strand.
class StreamSession : public Session {
 public:
  [[nodiscard]] virtual const asio::any_io_executor& Strand() const = 0;
  // `slot` non-empty: the message is a placeholder; the bytes are taken from the handle's slot
  // (StreamHandle::TakeSlot) when it reaches the front of the queue.
  virtual void Enqueue(std::string message, std::string slot) = 0;
  virtual void Finish() = 0;  // flush what is queued, then close
  // The queue overflowed: drop what is queued, tell the client `reason` (close frame or final
  // event) if it reads within kOverflowGrace, then close.
  virtual void Overflow(std::string reason) = 0;
};

// Marks the current thread as running application code inline on `session`'s own strand (the
// WebSocket try_inline callback): what that session's handle sends meanwhile is queued directly,
// without a post through the strand (an acknowledgement per rider fix). Nests.
class InlineScope {
 public:
  explicit InlineScope(const StreamSession* session) : previous_(current_) { current_ = session; }
  ~InlineScope() { current_ = previous_; }
  InlineScope(const InlineScope&) = delete;
  InlineScope& operator=(const InlineScope&) = delete;
  [[nodiscard]] static const StreamSession* Current() { return current_; }

 private:
  const StreamSession* previous_;
  static thread_local const StreamSession* current_;
};

// The thread-safe state behind EventStream and WebSocket handles: open flag, bounded queue count,
// close callbacks. It holds no executor (an application may keep a handle after the server is
// destroyed, and a strand must not outlive its io_context): it posts through the live session,
// while holding its mutex; Stop marks every handle closed under that mutex before the io_context
// dies, so a post never targets a dead one.
class StreamHandle {
 public:
  explicit StreamHandle(std::size_t max_queue);
  void Attach(std::weak_ptr<StreamSession> session);

  bool Push(std::string message);
  // Coalescing push: replaces the pending message of `slot` if one is still queued.
  bool PushLatest(const std::string& slot, std::string message);
  void Close();
  [[nodiscard]] bool IsOpen() const;
  void OnClose(std::function<void()> callback);

  // Session side.
  std::string TakeSlot(const std::string& slot);
  void Written();
  void MarkClosed();
  void RunCallbacks();

 private:
  const std::size_t max_queue_;
  mutable std::mutex mutex_;
  std::weak_ptr<StreamSession> session_;          // GUARDED_BY(mutex_)
  bool closed_ = false;                           // GUARDED_BY(mutex_)
  bool callbacks_ran_ = false;                    // GUARDED_BY(mutex_)
  std::size_t queued_ = 0;                        // GUARDED_BY(mutex_)
  std::vector<std::function<void()>> callbacks_;  // GUARDED_BY(mutex_)
  std::unordered_map<std::string, std::string> slots_;  // GUARDED_BY(mutex_): newest unwritten per slot

  bool OverflowLocked(const std::shared_ptr<StreamSession>& session);  // REQUIRES(mutex_)
};

inline constexpr std::chrono::seconds kOverflowGrace{2};

class HttpSession : public Session, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ServerCore& core, tcp::socket socket);
  ~HttpSession() override;
  void Run();
  void Shutdown() override;
  void CloseAfterStop() override;
  // The answer of a request whose handler finished later (Response::later), from any thread, under
  // the gate's shared lock while it is open: counted and logged now, written on the connection's strand.
  void AnswerLater(Request request, Response response, Clock::time_point started);
  [[nodiscard]] ServerCore& Core() const { return core_; }

 private:
  // Hands a Response::later placeholder its Completion.
  void StartLater(Request request, Response response, Clock::time_point started);
  void DoRead();
  void OnHeader(beast::error_code ec);
  void EndBodyRead();
  void ReadBody();
  void OnBody(beast::error_code ec);
  void Dispatch();
  void OnResponse(Request request, Response response);
  void StartSse(const Request& request, Response response);
  void StartWebSocket(const Request& request, Response response);
  void Write(const Request& request, Response response);
  void OnWrite(bool keep_alive, beast::error_code ec);
  // Read and write timeouts without a timer operation per read or write (what tcp_stream's
  // expires_after costs): SetDeadline moves `deadline_`; one timer per connection sleeps until the
  // earliest deadline it may hold and re-arms itself when the deadline moved later. At the deadline
  // the socket is closed, so the pending read or write fails and the session closes.
  void SetDeadline(Clock::duration timeout);
  void ClearDeadline() { deadline_ = Clock::time_point::max(); }  // a handler runs: no timeout
  void WaitDeadline();
  void OnDeadlineTimer();
  // Answers a broken or oversized request with a problem and closes the connection.
  void Reject(int status, std::string_view slug, std::string_view title, std::string_view detail);
  void LingeringClose();
  void Close();

  ServerCore& core_;
  beast::tcp_stream stream_;
  const asio::any_io_executor strand_;  // stream_'s, kept because stream_ may be moved away
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest message_;
  http::response<http::string_body> response_;  // only for heads AppendResponseHead leaves to Beast
  std::string head_;  // the response's status line and headers (capacity kept between requests)
  std::string body_;  // the response's body while it is written
  asio::steady_timer deadline_timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timer_waiting_ = false;
  bool beast_response_ = false;  // response_ holds the response being written
  bool closed_ = false;
  std::string remote_;
  Clock::time_point started_;
  bool busy_ = false;          // a request is being handled or answered
  bool reading_body_ = false;  // headers read, body arriving: counted in flight
  bool closing_ = false;       // Stop asked; close after the current response
  bool detached_ = false;      // the socket moved to an SSE or WebSocket session
  // While a deferred request waits for its Completion (which points here weakly): keeps the session
  // alive until the answer reaches the strand, or until Stop releases it (CloseAfterStop), so that
  // the session never outlives the io_context.
  std::shared_ptr<HttpSession> deferred_self_;
};

// Creates an SSE session on `stream` (already on its strand), writes `head` and runs `start` on a
// worker with the EventStream.
void StartSseSession(ServerCore& core, beast::tcp_stream stream, std::string head, bool chunked,
                     std::function<void(const std::shared_ptr<EventStream>&)> start);

// Creates a WebSocket session on `stream`, completes the handshake for `upgrade` and drives
// `handlers` (callbacks serialised per connection on the worker pool).
void StartWebSocketSession(ServerCore& core, beast::tcp_stream stream, HttpRequest upgrade,
                           WebSocketHandlers handlers, std::string request_id);

}  // namespace hotpath::net::detail
