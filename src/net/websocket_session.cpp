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

#include <boost/beast/websocket.hpp>

#include "net/middleware.h"
#include "net/server_impl.h"

namespace hotpath::net::detail {
namespace {

namespace websocket = beast::websocket;

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

class WsSession final : public StreamSession, public std::enable_shared_from_this<WsSession> {
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
    ws_.next_layer().close(ignored);
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
        buffer_.consume(buffer_.size());
        return DoRead();
      }
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
    ws_.next_layer().close(ignored);
    if (opened_ && !close_notified_.exchange(true)) {
      asio::post(callbacks_, [self = shared_from_this()] { self->Invoke("on_close", self->handlers_.on_close); });
    }
  }

  ServerCore& core_;
  // On the bare socket, not beast::tcp_stream: the websocket stream has its own handshake and close
  // timeouts and ArmIdle covers idle peers, so tcp_stream's timeout and rate-limit layer (a composed
  // operation around every read and write) would only cost time per message.
  websocket::stream<tcp::socket> ws_;
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
