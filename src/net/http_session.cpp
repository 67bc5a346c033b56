// One HTTP/1.1 connection: reads one request at a time (so pipelined requests are answered in
// order), runs the handler on the worker pool, writes the answer back on the connection's strand.
// SSE and WebSocket responses hand the socket over to a stream session.

#include <array>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/trace.h"
#include "net/middleware.h"
#include "net/response_head.h"
#include "net/server_impl.h"

namespace hotpath::net::detail {
namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;
// A client that sent its whole body before reading our early answer (most HTTP clients do) must
// not get a reset instead: drain up to 16 MiB, waiting at most 5 s in all (nginx: lingering_time).
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(5);

std::string HeaderSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
  return out;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_method).category();
}

// The request line and headers as the transport-neutral Request (no body).
Request ToRequest(const http::request_header<>& header, const std::string& remote) {
  Request request;
  request.method = std::string(header.method_string());
  request.target = std::string(header.target());
  ParseTarget(request.target, request.path, request.query);
  request.headers.reserve(16);
  for (const auto& field : header) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  const auto client_id = request.Header("X-Request-Id");
  request.request_id = client_id && IsValidRequestId(*client_id) ? *client_id : NewRequestId();
  const auto traceparent = request.Header("traceparent");
  RequestContext context = ContextForRequest({}, traceparent ? std::optional<std::string_view>(*traceparent)
                                                             : std::nullopt);
  request.trace_id = std::move(context.trace_id);
  request.span_id = std::move(context.span_id);
  request.trace_flags = std::move(context.flags);
  request.remote_addr = remote;
  return request;
}

}  // namespace

HttpSession::HttpSession(ServerCore& core, tcp::socket socket)
    : core_(core), stream_(std::move(socket)), strand_(stream_.get_executor()), deadline_timer_(strand_) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    const auto address = endpoint.address();
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; log them as a.b.c.d.
    remote_ = address.is_v6() && address.to_v6().is_v4_mapped()
                  ? asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string()
                  : address.to_string();
  }
}

HttpSession::~HttpSession() { core_.Unregister(this); }

void HttpSession::Run() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->DoRead(); });
}

void HttpSession::Shutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->closing_ = true;
    if (!self->busy_ && !self->detached_) self->Close();
  });
}

void HttpSession::CloseAfterStop() {
  Close();
  deferred_self_.reset();  // its Completion, if still held, answers nothing now (the gate is closed)
}

void HttpSession::DoRead() {
  if (closing_ || core_.stopping) return Close();
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(core_.options.max_body_bytes);
  SetDeadline(core_.options.idle_timeout);  // covers the whole request: no slowloris
  http::async_read_header(
      stream_.socket(), buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
}

void HttpSession::OnHeader(beast::error_code ec) {
  started_ = Clock::now();
  if (ec == http::error::body_limit) {
    return Reject(413, "payload-too-large", "Payload Too Large",
                  "The request body exceeds " + std::to_string(core_.options.max_body_bytes) + " bytes.");
  }
  if (ec == http::error::header_limit) {
    return Reject(431, "header-fields-too-large", "Request Header Fields Too Large",
                  "The request headers exceed " + std::to_string(kHeaderLimit) + " bytes.");
  }
  if (ec && IsHttpParseError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return Reject(400, "bad-request", "Bad Request", "Malformed HTTP request: " + ec.message() + ".");
  }
  if (ec) return Close();  // the client left, timed out, or Stop closed the socket
  if (parser_->is_done()) return Dispatch();
  // From here the request is in flight: a graceful stop waits for its body (up to the drain time).
  busy_ = true;
  reading_body_ = true;
  core_.BeginRequest();
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_.socket(), asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                        if (write_ec) {
                          self->EndBodyRead();
                          return self->Close();
                        }
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void HttpSession::EndBodyRead() {
  if (!reading_body_) return;
  reading_body_ = false;
  busy_ = false;
  core_.EndRequest();
}

void HttpSession::ReadBody() {
  http::async_read(stream_.socket(), buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
}

void HttpSession::OnBody(beast::error_code ec) {
  if (!ec) {
    Dispatch();  // counts the request (and marks the session busy) before the body read stops counting it
    if (reading_body_) {
      reading_body_ = false;
      core_.EndRequest();
    }
    return;
  }
  EndBodyRead();
  if (ec == http::error::body_limit) {
    return Reject(413, "payload-too-large", "Payload Too Large",
                  "The request body exceeds " + std::to_string(core_.options.max_body_bytes) + " bytes.");
  }
  if (ec && IsHttpParseError(ec) && ec != http::error::partial_message) {
    return Reject(400, "bad-request", "Bad Request", "Malformed HTTP request: " + ec.message() + ".");
  }
  if (ec) return Close();
  Dispatch();
}

void HttpSession::Dispatch() {
  ClearDeadline();
  message_ = parser_->release();
  parser_.reset();
  Request request = ToRequest(message_.base(), remote_);
  request.body = std::move(message_.body());
  message_.body().clear();
  const bool is_upgrade = beast::websocket::is_upgrade(message_);
  busy_ = true;
  core_.BeginRequest();
  const Router::Resolved route = core_.router.Resolve(request.method, request.path);
  if (!is_upgrade && route.non_blocking) {
    // Already on this session's strand: answer without the round trip through the worker pool.
    Response response;
    try {
      response = core_.Handle(request, route, false, started_);
    } catch (...) {
      response =
          StockProblem(500, "internal", "Internal Server Error", "The server failed to handle the request.");
    }
    if (response.later) return StartLater(std::move(request), std::move(response), started_);
    return OnResponse(std::move(request), std::move(response));
  }
  asio::post(core_.workers, [self = shared_from_this(), request = std::move(request), route, is_upgrade,
                             started = started_]() mutable {
    Response response;
    try {
      response = self->core_.Handle(request, route, is_upgrade, started);
    } catch (...) {  // Handle catches handler exceptions; only allocation failures get here
      response =
          StockProblem(500, "internal", "Internal Server Error", "The server failed to handle the request.");
    }
    if (response.later) return self->StartLater(std::move(request), std::move(response), started);
    asio::post(self->strand_, [self, request = std::move(request), response = std::move(response)]() mutable {
      self->OnResponse(std::move(request), std::move(response));
    });
  });
}

namespace {
Response HandlerFailed() {
  return StockProblem(500, "internal", "Internal Server Error", "The server failed to handle the request.");
}

// Answers through the gate: only while the server is open to answers, holding the session only for
// the post (a strong reference released after the gate closed could be the last one and destroy
// the session after its io_context). Otherwise the answer is dropped, counted, and logged while
// the core exists.
void AnswerThroughGate(AnswerGate& gate, const std::weak_ptr<HttpSession>& weak, Request request, Response response,
                       Clock::time_point started) {
  std::shared_lock lock(gate.mutex);
  if (gate.open) {
    if (auto session = weak.lock()) {
      session->AnswerLater(std::move(request), std::move(response), started);
      return;
    }
  }
  gate.dropped.fetch_add(1);
  if (gate.core) {
    gate.core->Log("warn", IncidentLogLine("warn", "deferred answer dropped", request.request_id,
                                           "answered after the server stopped (shutdown grace passed)",
                                           std::chrono::system_clock::now(), request.trace_id));
  }
}

// Holds its session weakly (the session keeps itself alive while deferred: deferred_self_) and the
// server's answer gate strongly, so it may outlive both.
class LaterCompletion final : public Completion {
 public:
  LaterCompletion(std::weak_ptr<HttpSession> session, std::shared_ptr<AnswerGate> gate, Request request,
                  Clock::time_point started)
      : session_(std::move(session)), gate_(std::move(gate)), request_(std::move(request)), started_(started) {}
  ~LaterCompletion() override {
    if (!answered_.exchange(true)) AnswerThroughGate(*gate_, session_, std::move(request_), HandlerFailed(), started_);
  }
  void Reply(Response response) override {
    if (answered_.exchange(true)) return;
    AnswerThroughGate(*gate_, session_, std::move(request_), std::move(response), started_);
  }
  void Offload(std::function<Response()> work) override {
    if (answered_.exchange(true)) return;
    std::shared_lock lock(gate_->mutex);
    auto session = gate_->open ? session_.lock() : nullptr;
    if (!session) {
      lock.unlock();
      AnswerThroughGate(*gate_, session_, std::move(request_), HandlerFailed(), started_);
      return;
    }
    // Stop joins the pool after closing the gate: queued work still runs then, so it checks first.
    asio::post(session->Core().workers, [weak = session_, gate = gate_, request = std::move(request_),
                                         started = started_, work = std::move(work)]() mutable {
      {
        std::shared_lock open_lock(gate->mutex);
        if (!gate->open) {
          open_lock.unlock();
          return AnswerThroughGate(*gate, weak, std::move(request), HandlerFailed(), started);
        }
      }
      Response response;
      try {
        RequestScope scope(
            RequestContext{request.request_id, request.trace_id, request.span_id, request.trace_flags});
        response = work();
      } catch (...) {
        response = HandlerFailed();
      }
      AnswerThroughGate(*gate, weak, std::move(request), std::move(response), started);
    });
  }

 private:
  std::weak_ptr<HttpSession> session_;
  std::shared_ptr<AnswerGate> gate_;
  Request request_;
  Clock::time_point started_;
  std::atomic<bool> answered_{false};
};
}  // namespace

void HttpSession::StartLater(Request request, Response response, Clock::time_point started) {
  auto later = std::move(response.later);
  deferred_self_ = shared_from_this();  // before any answer can reach the strand (which releases it)
  try {
    later(std::make_shared<LaterCompletion>(weak_from_this(), core_.gate, std::move(request), started));
  } catch (...) {  // the completion, dropped unanswered, answers 500
  }
}

void HttpSession::AnswerLater(Request request, Response response, Clock::time_point started) {
  if (response.later || response.sse || response.websocket) response = HandlerFailed();
  core_.Report(request, response.status, started);
  asio::post(strand_, [self = shared_from_this(), request = std::move(request), response = std::move(response)]() mutable {
    self->deferred_self_.reset();
    self->OnResponse(std::move(request), std::move(response));
  });
}

void HttpSession::OnResponse(Request request, Response response) {
  if (response.websocket) return StartWebSocket(request, std::move(response));
  if (response.sse) return StartSse(request, std::move(response));
  Write(request, std::move(response));
}

void HttpSession::StartSse(const Request& request, Response response) {
  const bool chunked = message_.version() >= 11;
  std::string head = chunked ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.0 200 OK\r\n";
  head += "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
  head += chunked ? "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n" : "Connection: close\r\n";
  head += "X-Request-Id: " + request.request_id + "\r\n";
  for (const auto& [name, value] : response.headers)
    head += HeaderSafe(name) + ": " + HeaderSafe(value) + "\r\n";
  head += "\r\n";
  detached_ = true;
  deadline_timer_.cancel();
  busy_ = false;
  core_.EndRequest();
  StartSseSession(core_, std::move(stream_), std::move(head), chunked, std::move(response.sse));
}

void HttpSession::StartWebSocket(const Request& request, Response response) {
  detached_ = true;
  deadline_timer_.cancel();
  busy_ = false;
  core_.EndRequest();
  StartWebSocketSession(core_, std::move(stream_), std::move(message_), std::move(*response.websocket),
                        request.request_id);
}

void HttpSession::Write(const Request& request, Response response) {
  int status = response.status;
  if (status < 100 || status > 999) status = 500;
  const bool keep_alive = message_.keep_alive() && !closing_ && !core_.stopping;
  const bool bodyless = status < 200 || status == 204 || status == 304;
  const bool head_request = message_.method() == http::verb::head;
  ResponseHead head;
  head.version = message_.version();
  head.status = status;
  head.content_type = response.content_type;
  head.headers = &response.headers;
  head.request_id = request.request_id;
  head.keep_alive = keep_alive;
  head.content_length = bodyless ? 0 : response.body.size();  // a HEAD answer announces the GET body
  head_.clear();
  if (AppendResponseHead(head_, head)) {
    // One gathered write of the head and the body as the handler returned it (no copy).
    body_.clear();
    if (!bodyless && !head_request) body_ = std::move(response.body);
    SetDeadline(core_.options.idle_timeout);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_.socket(), buffers,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        self->OnWrite(keep_alive, ec);
                      });
    return;
  }
  beast_response_ = true;
  response_ = {};
  response_.version(message_.version());
  response_.result(static_cast<unsigned>(status));
  if (!response.content_type.empty())
    response_.set(http::field::content_type, HeaderSafe(response.content_type));
  for (const auto& [name, value] : response.headers) response_.insert(HeaderSafe(name), HeaderSafe(value));
  response_.set("X-Request-Id", request.request_id);
  if (!bodyless && !head_request) response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  if (head_request && !bodyless) response_.content_length(response.body.size());
  SetDeadline(core_.options.idle_timeout);
  http::async_write(stream_.socket(), response_,
                    [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                      self->OnWrite(keep_alive, ec);
                    });
}

void HttpSession::OnWrite(bool keep_alive, beast::error_code ec) {
  busy_ = false;
  core_.EndRequest();
  if (beast_response_) {
    response_ = {};
    beast_response_ = false;
  }
  body_ = std::string();
  if (head_.capacity() > 64 * 1024) head_ = std::string();
  if (ec || !keep_alive) return Close();
  DoRead();
}

void HttpSession::SetDeadline(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
  if (!timer_waiting_) return WaitDeadline();
  // The timer sleeps past the new deadline (a shorter timeout): wake it to re-arm earlier.
  if (deadline_ < deadline_timer_.expiry()) deadline_timer_.cancel();
}

void HttpSession::WaitDeadline() {
  timer_waiting_ = true;
  deadline_timer_.expires_at(deadline_);
  deadline_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->OnDeadlineTimer(); });
}

void HttpSession::OnDeadlineTimer() {
  timer_waiting_ = false;
  if (closed_ || detached_ || deadline_ == Clock::time_point::max()) return;  // re-armed by the next SetDeadline
  if (Clock::now() < deadline_) return WaitDeadline();
  beast::error_code ignored;
  stream_.socket().close(ignored);  // the pending read or write completes with an error: Close()
}

void HttpSession::Reject(int status, std::string_view slug, std::string_view title, std::string_view detail) {
  Request request;
  // After body_limit the fields are complete (Beast checks the limit once all headers are parsed).
  if (parser_ && (parser_->is_header_done() || status == 413)) {
    request = ToRequest(parser_->get().base(), remote_);
  } else {
    request.request_id = NewRequestId();
    request.remote_addr = remote_;
  }
  core_.Report(request, status, started_);
  Response problem = StockProblem(status, slug, title, detail);
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(status));
  response_.set(http::field::content_type, problem.content_type);
  response_.set("X-Request-Id", request.request_id);
  response_.body() = std::move(problem.body);
  response_.keep_alive(false);
  response_.prepare_payload();
  parser_.reset();
  busy_ = true;
  SetDeadline(core_.options.idle_timeout);
  http::async_write(stream_.socket(), response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->busy_ = false;
    if (ec) return self->Close();
    self->LingeringClose();
  });
}

// After an error answer the client may still be sending its body; closing with unread data would
// reset the connection and could destroy our answer in flight. Read and discard a bounded amount
// for a bounded time first (as nginx's lingering_close does).
void HttpSession::LingeringClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  SetDeadline(kLingerTime);
  struct Drain {
    std::shared_ptr<HttpSession> self;
    std::size_t total = 0;
    void operator()(beast::error_code ec, std::size_t bytes) {
      total += bytes;
      self->buffer_.consume(self->buffer_.size());
      if (ec || total > kLingerBytes) return self->Close();
      self->stream_.async_read_some(self->buffer_.prepare(16 * 1024), std::move(*this));
    }
  };
  stream_.async_read_some(buffer_.prepare(16 * 1024), Drain{shared_from_this()});
}

void HttpSession::Close() {
  if (detached_) return;
  closed_ = true;
  deadline_timer_.cancel();  // releases the session now rather than at the deadline
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace hotpath::net::detail
