// A Server-Sent Events connection: a chunked (HTTP/1.1) or close-delimited (HTTP/1.0) body of
// events written from a queue on the connection's strand. A pending read watches for the client
// leaving; writes time out after idle_timeout; the queue is bounded by StreamHandle.

#include "net/middleware.h"
#include "net/server_impl.h"

namespace hotpath::net::detail {
namespace {

class SseHandle final : public EventStream {
 public:
  explicit SseHandle(std::size_t max_queue) : state_(max_queue) {}
  bool Send(std::string_view id, std::string_view event, std::string_view data) override {
    return state_.Push(FormatSseEvent(id, event, data));
  }
  bool Comment(std::string_view text) override { return state_.Push(FormatSseComment(text)); }
  bool SendLatest(std::string_view slot, std::string_view event, std::string_view data) override {
    return state_.PushLatest(std::string(slot), FormatSseEvent("", event, data));
  }
  [[nodiscard]] bool IsOpen() const override { return state_.IsOpen(); }
  void Close() override { state_.Close(); }
  void OnClose(std::function<void()> callback) override { state_.OnClose(std::move(callback)); }
  StreamHandle& state() { return state_; }

 private:
  StreamHandle state_;
};

class SseSession final : public StreamSession, public std::enable_shared_from_this<SseSession> {
 public:
  SseSession(ServerCore& core, beast::tcp_stream stream, bool chunked)
      : core_(core),
        stream_(std::move(stream)),
        strand_(stream_.get_executor()),
        chunked_(chunked),
        handle_(std::make_shared<SseHandle>(core.options.max_stream_queue)),
        keepalive_(strand_) {
    core_.event_streams.fetch_add(1, std::memory_order_relaxed);
  }

  ~SseSession() override {
    handle_->state().RunCallbacks();
    core_.Unregister(this);
    core_.event_streams.fetch_sub(1, std::memory_order_relaxed);
  }

  // On the strand.
  void Start(std::string head, std::function<void(const std::shared_ptr<EventStream>&)> start) {
    handle_->state().Attach(weak_from_this());
    stream_.expires_never();
    queue_.push_back(Pending{std::move(head), false});
    DoWrite();
    DoWatch();
    ScheduleKeepalive();
    if (core_.stopping) return Finish();
    asio::post(core_.workers, [this_core = &core_, handle = handle_, start = std::move(start)] {
      try {
        start(handle);
      } catch (const std::exception& e) {
        this_core->Log("error", IncidentLogLine("error", "sse start threw", "", e.what(), std::chrono::system_clock::now()));
        handle->Close();
      } catch (...) {
        handle->Close();
      }
    });
  }

  void Enqueue(std::string message, std::string slot) override {
    if (done_ || finishing_) return handle_->state().Written();
    if (slot.empty()) Frame(message);
    queue_.push_back(Pending{std::move(message), true, std::move(slot)});
    if (!writing_) DoWrite();
  }

  void Finish() override {
    if (done_ || finishing_) return;
    finishing_ = true;
    if (chunked_) queue_.push_back(Pending{"0\r\n\r\n", false});
    if (!writing_) {
      if (queue_.empty()) return Terminate();
      DoWrite();
    }
  }

  void Overflow(std::string reason) override {
    if (done_) return;
    core_.overflows.fetch_add(1, std::memory_order_relaxed);
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
    std::string last = FormatSseEvent("", "overflow", "{\"reason\":\"" + reason + "\"}");
    Frame(last);
    queue_.push_back(Pending{std::move(last), false, {}});
    finishing_ = false;
    Finish();
    grace_ = std::make_unique<asio::steady_timer>(strand_, kOverflowGrace);
    grace_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Terminate();
    });
  }

  [[nodiscard]] const asio::any_io_executor& Strand() const override { return strand_; }

  void Shutdown() override {
    asio::post(strand_, [self = shared_from_this()] { self->Finish(); });
  }

  void CloseAfterStop() override {
    done_ = true;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    handle_->state().RunCallbacks();
  }

 private:
  struct Pending {
    std::string bytes;
    bool counted;      // counts against the handle's queue bound
    std::string slot;  // non-empty: a coalesced event, taken from the handle when written
  };

  // HTTP/1.1 chunk framing around one event.
  void Frame(std::string& message) const {
    if (!chunked_) return;
    char size[20];
    const int n = std::snprintf(size, sizeof(size), "%zx\r\n", message.size());
    message.insert(0, size, static_cast<std::size_t>(n));
    message.append("\r\n");
  }

  void DoWrite() {
    if (!queue_.front().slot.empty()) {
      queue_.front().bytes = handle_->state().TakeSlot(queue_.front().slot);
      queue_.front().slot.clear();
      Frame(queue_.front().bytes);
    }
    writing_ = true;
    stream_.expires_after(core_.options.idle_timeout);  // the pending watch read keeps no timer
    asio::async_write(stream_, asio::buffer(queue_.front().bytes),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    if (queue_.front().counted) handle_->state().Written();
    queue_.pop_front();
    if (ec) return Terminate();
    if (!queue_.empty()) return DoWrite();
    if (finishing_) Terminate();
  }

  // The client sends nothing on an event stream: a completed read means it left (or misbehaves).
  void DoWatch() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Terminate();
      self->DoWatch();
    });
  }

  void ScheduleKeepalive() {
    if (core_.options.sse_keepalive.count() <= 0) return;
    keepalive_.expires_after(core_.options.sse_keepalive);
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->done_ || self->finishing_) return;
      if (self->handle_->Comment("keep-alive")) self->ScheduleKeepalive();
    });
  }

  void Terminate() {
    if (done_) return;
    done_ = true;
    keepalive_.cancel();
    if (grace_) grace_->cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    handle_->state().RunCallbacks();
  }

  ServerCore& core_;
  beast::tcp_stream stream_;
  const asio::any_io_executor strand_;
  const bool chunked_;
  const std::shared_ptr<SseHandle> handle_;
  asio::steady_timer keepalive_;
  std::deque<Pending> queue_;
  std::unique_ptr<asio::steady_timer> grace_;  // bounds the overflow close
  char discard_[512];
  bool writing_ = false;
  bool finishing_ = false;
  bool done_ = false;
};

}  // namespace

void StartSseSession(ServerCore& core, beast::tcp_stream stream, std::string head, bool chunked,
                     std::function<void(const std::shared_ptr<EventStream>&)> start) {
  auto session = std::make_shared<SseSession>(core, std::move(stream), chunked);
  core.Register(session);
  session->Start(std::move(head), std::move(start));
}

}  // namespace hotpath::net::detail
