#include "net/server.h"

#include <algorithm>
#include <future>
#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "core/trace.h"
#include "net/middleware.h"
#include "net/server_impl.h"

namespace hotpath::net {
namespace detail {

ServerCore::ServerCore(ServerOptions options_in, const Router& router_in, Observer observer_in, LogSink log_in)
    : options(std::move(options_in)),
      router(router_in),
      observer(std::move(observer_in)),
      log(std::move(log_in)),
      workers(static_cast<std::size_t>(std::max(1, options.worker_threads))),
      ioc(std::max(1, options.io_threads)) {
  gate->core = this;
}

ServerCore::~ServerCore() {
  std::unique_lock lock(gate->mutex);
  gate->open = false;
  gate->core = nullptr;
}

void ServerCore::CloseGate() {
  std::unique_lock lock(gate->mutex);  // waits for answers being posted now
  gate->open = false;
}

void ServerCore::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex);
  sessions.emplace(session.get(), session);
}

void ServerCore::Unregister(const Session* session) {
  std::lock_guard lock(mutex);
  sessions.erase(session);
  changed.notify_all();
}

void ServerCore::BeginRequest() { in_flight.fetch_add(1); }

void ServerCore::EndRequest() {
  // Both atomics are sequentially consistent: either Stop (which sets `stopping` before it reads
  // in_flight under the mutex) sees zero, or this sees `stopping` and wakes it.
  if (in_flight.fetch_sub(1) == 1 && stopping.load()) {
    std::lock_guard lock(mutex);
    changed.notify_all();
  }
}

Response ServerCore::Handle(Request& request, const Router::Resolved& route, bool is_upgrade,
                            Clock::time_point started) {
  std::string error;
  Response response;
  {
    // Log lines and events written by the handler carry this request's ids.
    RequestScope scope(RequestContext{request.request_id, request.trace_id, request.span_id, request.trace_flags});
    response = router.Dispatch(request, route, &error);
  }
  if (response.status == 500 && !error.empty()) {
    Log("error", IncidentLogLine("error", "handler threw", request.request_id, error,
                                 std::chrono::system_clock::now(), request.trace_id));
  }
  if (response.websocket && !is_upgrade) {
    response = StockProblem(426, "upgrade-required", "Upgrade Required",
                            "This resource is a WebSocket; send an Upgrade: websocket request.");
    response.headers.emplace_back("Upgrade", "websocket");
  }
  if (response.sse && response.status != 200) response.sse = nullptr;
  if (response.later && is_upgrade) response = StockProblem(500, "internal", "Internal Server Error",
                                                             "The server failed to handle the request.");
  if (response.later) return response;  // counted and logged when it is answered (AnswerLater)
  Report(request, response.websocket ? 101 : response.status, started);
  return response;
}

void ServerCore::Report(const Request& request, int status, Clock::time_point started) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (observer) {
    try {
      observer(request, status, seconds);
    } catch (const std::exception& e) {
      Log("error", IncidentLogLine("error", "observer threw", request.request_id, e.what(),
                                   std::chrono::system_clock::now()));
    } catch (...) {
    }
  }
  Log(status >= 500 ? "error" : "info", AccessLogLine(request, status, seconds, std::chrono::system_clock::now()));
}

void ServerCore::Log(std::string_view level, const std::string& line) {
  if (!log) return;
  try {
    log(level, line);
  } catch (...) {
    // A broken log sink must not take the server down.
  }
}

StreamHandle::StreamHandle(std::size_t max_queue) : max_queue_(std::max<std::size_t>(1, max_queue)) {}

void StreamHandle::Attach(std::weak_ptr<StreamSession> session) {
  std::lock_guard lock(mutex_);
  session_ = std::move(session);
}

thread_local const StreamSession* InlineScope::current_ = nullptr;

bool StreamHandle::Push(std::string message) {
  std::shared_ptr<StreamSession> session;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    session = session_.lock();
    if (!session) {
      closed_ = true;
      return false;
    }
    if (queued_ >= max_queue_) return OverflowLocked(session);
    ++queued_;
    if (session.get() != InlineScope::Current()) {
      asio::post(session->Strand(), [session, message = std::move(message)]() mutable {
        session->Enqueue(std::move(message), std::string());
      });
      return true;
    }
  }
  // Already on the session's strand (InlineScope), and without the lock: Enqueue may call back.
  session->Enqueue(std::move(message), std::string());
  return true;
}

bool StreamHandle::OverflowLocked(const std::shared_ptr<StreamSession>& session) {
  closed_ = true;  // a slow client: drop it rather than buffer without bound
  slots_.clear();
  std::string reason = "subscriber too slow: more than " + std::to_string(max_queue_) + " messages queued";
  asio::post(session->Strand(), [session, reason = std::move(reason)]() mutable { session->Overflow(std::move(reason)); });
  return false;
}

bool StreamHandle::PushLatest(const std::string& slot, std::string message) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  auto session = session_.lock();
  if (!session) {
    closed_ = true;
    return false;
  }
  if (auto it = slots_.find(slot); it != slots_.end()) {
    it->second = std::move(message);  // its placeholder is still queued: it will carry this one
    return true;
  }
  if (queued_ >= max_queue_) return OverflowLocked(session);
  ++queued_;
  slots_.emplace(slot, std::move(message));
  asio::post(session->Strand(), [session, slot]() mutable { session->Enqueue(std::string(), std::move(slot)); });
  return true;
}

std::string StreamHandle::TakeSlot(const std::string& slot) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(slot);
  if (it == slots_.end()) return {};
  std::string out = std::move(it->second);
  slots_.erase(it);
  return out;
}

void StreamHandle::Close() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  if (auto session = session_.lock()) asio::post(session->Strand(), [session] { session->Finish(); });
}

bool StreamHandle::IsOpen() const {
  std::lock_guard lock(mutex_);
  return !closed_;
}

void StreamHandle::OnClose(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!callbacks_ran_) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void StreamHandle::Written() {
  std::lock_guard lock(mutex_);
  if (queued_ > 0) --queued_;
}

void StreamHandle::MarkClosed() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

void StreamHandle::RunCallbacks() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (callbacks_ran_) return;
    callbacks_ran_ = true;
    callbacks.swap(callbacks_);
  }
  for (auto& callback : callbacks) {
    try {
      callback();
    } catch (...) {
      // The application's close callback failing must not stop the others.
    }
  }
}

}  // namespace detail

struct Server::Impl : detail::ServerCore {
  using ServerCore::ServerCore;

  std::string Start();
  void Stop(std::chrono::milliseconds drain);
  void DoAccept();
  enum class Sweep { kStreams, kAll, kAfterStop };
  void CloseAll(Sweep sweep);

  detail::tcp::acceptor acceptor{detail::asio::make_strand(ioc)};
  detail::asio::steady_timer accept_backoff{acceptor.get_executor()};
  // Keeps the I/O threads running while no socket operation is pending (e.g. the listener is
  // closed and the only request is on a worker): its answer still needs a thread to be written.
  detail::asio::executor_work_guard<detail::asio::io_context::executor_type> keep_running{ioc.get_executor()};
  std::vector<std::thread> io_threads;
  std::atomic<uint16_t> port{0};
  std::mutex lifecycle;  // serialises Start and Stop
  bool started = false;  // GUARDED_BY(lifecycle)
  bool stopped = false;  // GUARDED_BY(lifecycle)
};

std::string Server::Impl::Start() {
  std::lock_guard guard(lifecycle);
  if (started || stopped) return "server already started (or stopped)";
  namespace asio = detail::asio;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return "invalid listen address '" + options.host + "': " + ec.message();
  const detail::tcp::endpoint endpoint(address, options.port);
  if (acceptor.open(endpoint.protocol(), ec); ec) return "open: " + ec.message();
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return "setsockopt: " + ec.message();
  if (acceptor.bind(endpoint, ec); ec) {
    return "bind " + options.host + ":" + std::to_string(options.port) + ": " + ec.message();
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return "listen: " + ec.message();
  port = acceptor.local_endpoint().port();
  started = true;
  asio::post(acceptor.get_executor(), [this] { DoAccept(); });
  const int threads = std::max(1, options.io_threads);
  io_threads.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    io_threads.emplace_back([this] {
      while (true) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {  // e.g. bad_alloc in a completion handler: keep serving
          Log("error", IncidentLogLine("error", "io thread caught", "", e.what(), std::chrono::system_clock::now()));
        }
      }
    });
  }
  return {};
}

void Server::Impl::DoAccept() {
  acceptor.async_accept(detail::asio::make_strand(ioc), [this](boost::system::error_code ec,
                                                                detail::tcp::socket socket) {
    if (ec == detail::asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: back off briefly instead of spinning.
      Log("warn", IncidentLogLine("warn", "accept failed", "", ec.message(), std::chrono::system_clock::now()));
      accept_backoff.expires_after(std::chrono::milliseconds(50));
      accept_backoff.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) DoAccept();
      });
      return;
    }
    if (!stopping) {
      boost::system::error_code ignored;
      socket.set_option(detail::tcp::no_delay(true), ignored);  // SSE/WS push small writes
      auto session = std::make_shared<detail::HttpSession>(*this, std::move(socket));
      Register(session);
      session->Run();
    }
    DoAccept();
  });
}

void Server::Impl::CloseAll(Sweep sweep) {
  std::vector<std::shared_ptr<detail::Session>> live;
  {
    std::lock_guard lock(mutex);
    for (const auto& [key, weak] : sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (const auto& session : live) {
    if (sweep == Sweep::kAfterStop) {
      session->CloseAfterStop();
    } else if (sweep == Sweep::kAll || dynamic_cast<detail::StreamSession*>(session.get()) != nullptr) {
      session->Shutdown();
    }
  }
}

void Server::Impl::Stop(std::chrono::milliseconds drain) {
  std::lock_guard guard(lifecycle);
  if (stopped) return;
  stopped = true;
  stopping = true;
  if (!started) {
    CloseGate();
    workers.join();
    return;
  }
  const auto deadline = detail::Clock::now() + drain;
  auto listener_closed = std::make_shared<std::promise<void>>();
  detail::asio::post(acceptor.get_executor(), [this, listener_closed] {
    boost::system::error_code ignored;
    accept_backoff.cancel();
    acceptor.close(ignored);
    listener_closed->set_value();
  });
  // Refuse new connections before draining; bounded in case every I/O thread is wedged.
  listener_closed->get_future().wait_for(std::chrono::seconds(1));
  // Streams never end on their own and are not requests: they are told to go away (WebSocket
  // close 1001, SSE end) when the drain starts, so their clients reconnect elsewhere at once
  // instead of after the in-flight requests. Plain HTTP connections are left alone until then: a
  // request whose headers are arriving is still served.
  CloseAll(Sweep::kStreams);
  {
    std::unique_lock lock(mutex);
    changed.wait_until(lock, deadline, [this] { return in_flight == 0; });
  }
  CloseAll(Sweep::kAll);  // also the streams an upgrade in flight opened meanwhile
  {
    // Closing is quick unless a WebSocket client ignores the close handshake or an SSE client stops
    // reading; those get at most a second (and no more than `drain`) before their sockets are cut.
    const auto close_deadline = detail::Clock::now() + std::min<detail::Clock::duration>(drain, std::chrono::seconds(1));
    std::unique_lock lock(mutex);
    changed.wait_until(lock, close_deadline, [this] { return sessions.empty(); });
  }
  // From here a deferred answer is dropped: the threads that would write it are stopping.
  CloseGate();
  keep_running.reset();
  ioc.stop();
  for (auto& thread : io_threads) thread.join();
  io_threads.clear();
  workers.join();
  boost::system::error_code ignored;
  acceptor.close(ignored);  // no thread runs the io_context now
  CloseAll(Sweep::kAfterStop);
}

Server::Server(ServerOptions options, const Router& router, Observer observer, LogSink log)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(observer), std::move(log))) {}

Server::~Server() { Stop(); }

std::string Server::Start() { return impl_->Start(); }

uint16_t Server::Port() const { return impl_->port; }

int Server::InFlight() const {
  return impl_->in_flight.load();
}

StreamStats Server::Streams() const {
  return {impl_->websockets.load(std::memory_order_relaxed), impl_->event_streams.load(std::memory_order_relaxed),
          impl_->overflows.load(std::memory_order_relaxed)};
}

void Server::Stop(std::chrono::milliseconds drain) { impl_->Stop(drain); }

std::uint64_t Server::DeferredAnswersDropped() const { return impl_->gate->dropped.load(); }

}  // namespace hotpath::net
