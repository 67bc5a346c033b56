// A WebSocket connection (Beast websocket::stream). Text messages are handed to on_message one at a
// time: the next frame is read only after the callback returns, which orders the callbacks and gives
// natural back-pressure. Callbacks run on a per-connection strand of the worker pool, never on the
// I/O threads, except the optional non-blocking try_inline, which runs on the I/O strand. Outgoing
// messages queue (bounded) and are written one at a time on the I/O strand.
//
// Idle peers: Beast's own idle timeout re-arms a timer for every read (a cancelled wait completed
// through the strand and a timer-heap insert per message, on the ingest hot path), so it is off;
// instead one timer per connection ticks every half `websocket_idle_timeout` and looks at a flag
// that every received frame sets: silent for a tick -> a ping (queued like a message), silent for
// the next one too (no pong) -> closed. The same policy as Beast's suggested server settings.
//
// Read batches: Beast reads the socket in chunks of up to 1,536 bytes and hands out the frames they
// hold one at a time. The layer below it (HookedSocket) tells the session whenever Beast is about
// to read the socket again, i.e. every frame already delivered has been handled: if try_inline
// handled any of them, on_read_idle runs once, there and then (before the socket read starts), so
// its answer is queued right behind the messages it covers, not behind every other connection's
// work in the I/O thread's queue.
//
// Back-pressure on reads: a peer that sends but does not read its answers would otherwise make the
// server queue answers until the connection overflows. When `kPauseReadsAt` messages wait to be
// written, the session stops reading (TCP flow control then stops the peer's writes) and resumes
// once the queue is down to half of that. Messages pushed by others (tracking positions, order
// events) still overflow and disconnect a subscriber that does not read, as before.

#include <algorithm>
#include <boost/beast/websocket.hpp>

#include "net/middleware.h"
#include "net/server_impl.h"

namespace hotpath::net::detail {
namespace {

namespace websocket = beast::websocket;

class SocketReadListener {
 public:
  virtual void BeforeSocketRead() = 0;

 protected:
  ~SocketReadListener() = default;
};

// The websocket stream's next layer: the TCP socket, telling `listener` before each read from it.
// Writes, the executor and teardown go straight to the socket.
//
// Beast asks for at most 1,536 bytes per read (its fixed read buffer). A connection that has filled
// such a read (a client streaming messages) gets a spill area: each socket read then also takes up
// to kSpillBytes more, and Beast's next reads are served from it without a system call, so one
// recvmsg takes everything that has arrived, and `listener` hears of a read batch once per socket
// read rather than once per 1,536 bytes. Connections that never fill a read (idle ones, watchers,
// stop-and-wait riders) never allocate it.
class HookedSocket {
 public:
  static constexpr std::size_t kSpillBytes = 16384;
  using executor_type = tcp::socket::executor_type;
  explicit HookedSocket(tcp::socket socket) : socket_(std::move(socket)) {}
  void SetListener(SocketReadListener* listener) { listener_ = listener; }
  executor_type get_executor() noexcept { return socket_.get_executor(); }
  tcp::socket& next_layer() { return socket_; }
  tcp::socket& socket() { return socket_; }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) { StartRead(std::move(handler), b); }, token, buffers);
  }
  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }
  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    ec = {};
    if (spill_begin_ < spill_end_) return TakeSpill(buffers);
    return socket_.read_some(buffers, ec);
  }
  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
    return socket_.write_some(buffers, ec);
  }

  template <typename Handler>
  friend void async_teardown(beast::role_type role, HookedSocket& s, Handler&& handler) {
    websocket::async_teardown(role, s.socket_, std::forward<Handler>(handler));
  }
  friend void teardown(beast::role_type role, HookedSocket& s, beast::error_code& ec) {
    websocket::teardown(role, s.socket_, ec);
  }

 private:
  template <typename Buffers>
  std::size_t TakeSpill(const Buffers& buffers) {
    const std::size_t n =
        asio::buffer_copy(buffers, asio::buffer(spill_.get() + spill_begin_, spill_end_ - spill_begin_));
    spill_begin_ += n;
    return n;
  }

  template <typename Handler, typename Buffers>
  void StartRead(Handler handler, const Buffers& buffers) {
    if (spill_begin_ < spill_end_) {  // bytes an earlier socket read took: no system call
      const std::size_t n = TakeSpill(buffers);
      asio::post(socket_.get_executor(), beast::bind_front_handler(std::move(handler), beast::error_code{}, n));
      return;
    }
    if (listener_) listener_->BeforeSocketRead();
    const std::size_t want = asio::buffer_size(buffers);
    // The lambdas run on the socket's executor, which is also the handler's (the session's strand).
    if (!spill_) {
      socket_.async_read_some(buffers, [this, want, handler = std::move(handler)](beast::error_code ec,
                                                                                 std::size_t n) mutable {
        if (!ec && n == want && want > 0) spill_ = std::make_unique<char[]>(kSpillBytes);  // a streaming peer
        handler(ec, n);
      });
      return;
    }
    socket_.async_read_some(beast::buffers_cat(buffers, asio::buffer(spill_.get(), kSpillBytes)),
                            [this, want, handler = std::move(handler)](beast::error_code ec, std::size_t n) mutable {
                              if (n > want) {
                                spill_begin_ = 0;
                                spill_end_ = n - want;
                                n = want;
                              }
                              handler(ec, n);
                            });
  }

  tcp::socket socket_;
  SocketReadListener* listener_ = nullptr;
  std::unique_ptr<char[]> spill_;  // kSpillBytes once the peer streams; bytes [begin, end) not yet handed to Beast
  std::size_t spill_begin_ = 0, spill_end_ = 0;
};

class WsHandle final : public WebSocket {
 public:
  explicit WsHandle(std::size_t max_queue) : state_(max_queue) {}
  bool Send(std::string text) override { return state_.Push(std::move(text)); }
  bool SendLatest(std::string slot, std::string text) override { return state_.PushLatest(slot, std::move(text)); }
  [[nodiscard]] bool IsOpen() const override { return state_.IsOpen(); }
  void Close() override { state_.Close(); }
  StreamHandle& state() { return state_; }

 private:
  StreamHandle state_;
};

// Answers waiting to be written beyond which the session stops reading (at most a quarter of the
// connection's queue bound, so answers alone never overflow it).
constexpr std::size_t kPauseReadsAt = 64;

class WsSession final : public StreamSession,
                        public SocketReadListener,
                        public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(ServerCore& core, beast::tcp_stream stream, WebSocketHandlers handlers, std::string request_id)
      : core_(core),
        ws_(stream.release_socket()),
        strand_(ws_.get_executor()),
        idle_timer_(strand_),
        callbacks_(asio::make_strand(core.workers.get_executor())),
        handlers_(std::move(handlers)),
        request_id_(std::move(request_id)),
        handle_(std::make_shared<WsHandle>(core.options.max_stream_queue)) {
    core_.websockets.fetch_add(1, std::memory_order_relaxed);
    if (handlers_.on_read_idle) ws_.next_layer().SetListener(this);
    pause_reads_at_ = std::clamp<std::size_t>(core.options.max_stream_queue / 4, 1, kPauseReadsAt);
  }

  ~WsSession() override {
    NotifyCloseNow();  // normally a no-op: Terminate already notified
    core_.Unregister(this);
    core_.websockets.fetch_sub(1, std::memory_order_relaxed);
  }

  // On the strand.
  void Start(HttpRequest upgrade) {
    handle_->state().Attach(weak_from_this());
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = websocket::stream_base::none();  // ArmIdle's timer instead
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard_ = true; });
    ws_.set_option(websocket::stream_base::decorator(
        [id = request_id_](websocket::response_type& response) { response.set("X-Request-Id", id); }));
    ws_.read_message_max(core_.options.max_body_bytes);
    upgrade_ = std::move(upgrade);
    ws_.async_accept(upgrade_, [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
  }

  void Enqueue(std::string message, std::string slot) override {
    if (done_ || closing_) return handle_->state().Written();
    queue_.push_back(Pending{std::move(message), std::move(slot)});
    if (!writing_) DoWrite();
  }

  void Finish() override {
    if (done_ || closing_) return;
    closing_ = true;
    if (!writing_) DoClose();
  }

  void Overflow(std::string reason) override {
    if (done_) return;
    core_.overflows.fetch_add(1, std::memory_order_relaxed);
    // Keep only the frame being written; the close frame goes next, if the client reads at all.
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
    overflow_reason_ = std::move(reason);
    closing_ = true;
    grace_ = std::make_unique<asio::steady_timer>(strand_, kOverflowGrace);
    grace_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Terminate();
    });
    if (!writing_) DoClose();
  }

  [[nodiscard]] const asio::any_io_executor& Strand() const override { return strand_; }

  void Shutdown() override {
    handle_->state().MarkClosed();
    asio::post(strand_, [self = shared_from_this()] { self->Finish(); });
  }

  void CloseAfterStop() override {
    done_ = true;
    beast::error_code ignored;
    ws_.next_layer().socket().close(ignored);
    NotifyCloseNow();
  }

 private:
  void NotifyCloseNow() {
    handle_->state().MarkClosed();
    if (opened_ && !close_notified_.exchange(true)) Invoke("on_close", handlers_.on_close);
  }

  void OnAccept(beast::error_code ec) {
    if (ec) return Terminate();
    opened_ = true;
    ArmIdle();
    RunCallback(
        [self = shared_from_this()] { self->Invoke("on_open", self->handlers_.on_open); },
        [self = shared_from_this()] { self->DoRead(); });
  }

  // Runs `callback` on the connection's worker strand, then `then` back on the I/O strand.
  template <typename Callback, typename Then>
  void RunCallback(Callback callback, Then then) {
    asio::post(callbacks_, [strand = strand_, callback = std::move(callback), then = std::move(then)]() mutable {
      callback();
      asio::post(strand, std::move(then));
    });
  }

  void Invoke(std::string_view what, const std::function<void(const std::shared_ptr<WebSocket>&)>& callback) {
    if (!callback) return;
    try {
      callback(handle_);
    } catch (const std::exception& e) {
      core_.Log("error", IncidentLogLine("error", std::string("websocket ") + std::string(what) + " threw",
                                         request_id_, e.what(), std::chrono::system_clock::now()));
    } catch (...) {
    }
  }

  void ArmIdle() {
    const auto timeout = core_.options.websocket_idle_timeout;
    if (timeout.count() <= 0 || done_) return;
    idle_timer_.expires_after(timeout / 2);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->OnIdleTick();
    });
  }

  void OnIdleTick() {
    if (done_) return;
    if (heard_) {
      heard_ = false;
      pinged_ = false;
      return ArmIdle();
    }
    if (pinged_) return Terminate();  // silent for the whole timeout, not even a pong
    pinged_ = true;
    if (!closing_) {
      queue_.push_back(Pending{std::string(), std::string(), true});
      if (!writing_) DoWrite();
    }
    ArmIdle();
  }

  void DoRead() {
    if (done_) return;
    if (queue_.size() >= pause_reads_at_) {  // the peer is not reading its answers: stop reading too
      reads_paused_ = true;
      return;
    }
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) return Terminate();
    heard_ = true;
    if (!ws_.got_text()) {  // binary frames are not part of the protocol; ignore them
      buffer_.consume(buffer_.size());
      return DoRead();
    }
    if (handlers_.try_inline) {
      const std::string_view view(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      bool handled = false;
      try {
        InlineScope scope(this);  // its own sends are queued without a post
        handled = handlers_.try_inline(handle_, view);
      } catch (const std::exception& e) {
        handled = true;
        core_.Log("error", IncidentLogLine("error", "websocket try_inline threw", request_id_, e.what(),
                                           std::chrono::system_clock::now()));
      } catch (...) {
        handled = true;
      }
      if (handled) {
        unsettled_ = true;
        buffer_.consume(buffer_.size());
        return DoRead();
      }
    }
    if (unsettled_) {  // the inline messages' read batch ends here: settle it before this one
      unsettled_ = false;
      ReadIdle();
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    RunCallback(
        [self = shared_from_this(), text = std::move(text)] {
          if (!self->handlers_.on_message) return;
          try {
            self->handlers_.on_message(self->handle_, text);
          } catch (const std::exception& e) {
            self->core_.Log("error", IncidentLogLine("error", "websocket on_message threw", self->request_id_,
                                                     e.what(), std::chrono::system_clock::now()));
          } catch (...) {
          }
        },
        [self = shared_from_this()] { self->DoRead(); });
  }

  // Inside Beast's read operation, on the strand: Beast is about to read the socket. The read
  // operation holds only Beast's read block here, so on_read_idle's sends may start a write.
  void BeforeSocketRead() override {
    if (!unsettled_) return;
    unsettled_ = false;
    ReadIdle();
  }

  void ReadIdle() {
    if (done_ || !handlers_.on_read_idle) return;
    try {
      InlineScope scope(this);
      handlers_.on_read_idle(handle_);
    } catch (const std::exception& e) {
      core_.Log("error", IncidentLogLine("error", "websocket on_read_idle threw", request_id_, e.what(),
                                         std::chrono::system_clock::now()));
    } catch (...) {
    }
  }

  void DoWrite() {
    if (queue_.front().ping) {
      writing_ = true;
      ws_.async_ping({}, [self = shared_from_this()](beast::error_code ec) { self->OnWrite(ec); });
      return;
    }
    if (!queue_.front().slot.empty()) {
      queue_.front().bytes = handle_->state().TakeSlot(queue_.front().slot);
      queue_.front().slot.clear();
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front().bytes),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    if (!queue_.front().ping) handle_->state().Written();
    queue_.pop_front();
    if (ec) return Terminate();
    if (reads_paused_ && queue_.size() <= pause_reads_at_ / 2 && !closing_) {
      reads_paused_ = false;
      DoRead();
    }
    if (!queue_.empty()) return DoWrite();
    if (closing_) DoClose();
  }

  void DoClose() {
    if (done_) return;
    if (!opened_) return Terminate();
    writing_ = true;  // a close frame is a write: nothing else may be written meanwhile
    websocket::close_reason why(core_.stopping ? websocket::close_code::going_away : websocket::close_code::normal);
    if (!overflow_reason_.empty()) {
      why = websocket::close_reason(websocket::close_code::policy_error, overflow_reason_.substr(0, 123));
    }
    ws_.async_close(why,
                    [self = shared_from_this()](beast::error_code) { self->Terminate(); });
  }

  void Terminate() {
    if (done_) return;
    done_ = true;
    if (grace_) grace_->cancel();
    idle_timer_.cancel();
    handle_->state().MarkClosed();
    beast::error_code ignored;
    ws_.next_layer().socket().close(ignored);
    if (opened_ && !close_notified_.exchange(true)) {
      asio::post(callbacks_, [self = shared_from_this()] { self->Invoke("on_close", self->handlers_.on_close); });
    }
  }

  ServerCore& core_;
  // On the bare socket, not beast::tcp_stream: the websocket stream has its own handshake and close
  // timeouts and ArmIdle covers idle peers, so tcp_stream's timeout and rate-limit layer (a composed
  // operation around every read and write) would only cost time per message.
  websocket::stream<HookedSocket> ws_;
  const asio::any_io_executor strand_;
  asio::steady_timer idle_timer_;  // ArmIdle
  asio::strand<asio::thread_pool::executor_type> callbacks_;
  const WebSocketHandlers handlers_;
  const std::string request_id_;
  const std::shared_ptr<WsHandle> handle_;
  HttpRequest upgrade_;
  struct Pending {
    std::string bytes;
    std::string slot;  // non-empty: a coalesced message, taken from the handle when written
    bool ping = false;  // a keep-alive ping (OnIdleTick), not counted in the handle's queue
  };
  beast::flat_buffer buffer_;
  std::deque<Pending> queue_;
  std::string overflow_reason_;
  std::unique_ptr<asio::steady_timer> grace_;  // bounds the overflow close
  std::atomic<bool> opened_{false};
  std::atomic<bool> close_notified_{false};
  bool writing_ = false;
  bool heard_ = false;   // a frame came in since the last idle tick
  bool pinged_ = false;  // the last idle tick sent a ping
  bool unsettled_ = false;  // try_inline handled messages since the last on_read_idle
  bool reads_paused_ = false;  // DoRead found the write queue full: OnWrite reads again
  std::size_t pause_reads_at_ = kPauseReadsAt;
  bool closing_ = false;
  bool done_ = false;
};

}  // namespace

void StartWebSocketSession(ServerCore& core, beast::tcp_stream stream, HttpRequest upgrade,
                           WebSocketHandlers handlers, std::string request_id) {
  auto session = std::make_shared<WsSession>(core, std::move(stream), std::move(handlers), std::move(request_id));
  core.Register(session);
  session->Start(std::move(upgrade));
}

}  // namespace hotpath::net::detail
