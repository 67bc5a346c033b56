#include "loadgen/ws_load.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>
#include <thread>

#include "core/json.h"
#include "events/cloud_event.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace hotpath::loadgen {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}
Millis WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

enum Phase : int { kIdle = 0, kPeak = 1, kLive = 2 };
constexpr int kSources = 16;                 // 127.0.0.2 .. 127.0.0.17
constexpr Millis kMaxAheadMs = 60'000;       // the server refuses fixes more than 2 minutes ahead
constexpr std::int64_t kNsPerMs = 1'000'000;

// Where a rider's recent fixes were written (slot = sequence % kSlots). The rider's thread writes;
// watchers on any thread read: sent_ns before at_ms (release), at_ms then sent_ns (acquire).
struct SendLog {
  static constexpr int kSlots = 4;
  std::atomic<std::int64_t> at_ms[kSlots] = {};
  std::atomic<std::int64_t> sent_ns[kSlots] = {};
};

// Waits (polling, bounded) until `done` is true; false on timeout.
template <typename Pred>
bool WaitFor(Pred done, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!done()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

struct WsLoad::Impl {
  struct Ctx;
  struct Conn {
    Conn(Ctx& c, bool is_rider, int i, int global) : ctx(c), rider(is_rider), index(i), number(global), ws(c.ioc), timer(c.ioc) {}
    Ctx& ctx;
    const bool rider;
    const int index;   // rider index, or customer index for a watcher
    const int number;  // position among all connections (picks the source address)
    websocket::stream<beast::tcp_stream> ws;
    asio::steady_timer timer;
    beast::flat_buffer in;
    std::deque<std::string> out;
    bool writing = false;
    bool open = false;
    bool dead = false;
    bool in_flight = false;  // a peak fix awaits its acknowledgement
    Millis last_at = 0;
    std::uint64_t seq = 0;
  };
  struct Ctx {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::vector<Conn*> conns;
    std::size_t next_connect = 0;
    int connecting = 0;
    std::mutex latencies_mu;
    std::vector<float> latencies_us;  // guarded by latencies_mu
    std::thread thread;
  };

  LoadOptions options;
  const SeedData& data;
  std::vector<std::string> rider_tokens, watcher_tokens;
  std::vector<std::unique_ptr<Ctx>> ctxs;    // destroyed after conns
  std::vector<std::unique_ptr<Conn>> conns;
  std::unique_ptr<SendLog[]> send_log;
  std::vector<std::vector<int>> orders_of;  // customer index -> order indexes

  std::atomic<int> phase{kIdle};
  std::atomic<std::int64_t> live_start_ns{INT64_MAX};
  std::atomic<std::uint64_t> opened{0}, failed{0}, closed{0}, accepted{0}, errors{0}, sent{0}, positions{0},
      timed{0}, tracking{0}, tracking_failed{0};
  std::atomic<int> in_flight{0};
  std::mutex error_mu;
  std::string first_error;  // guarded by error_mu

  Impl(LoadOptions o, const SeedData& d, std::vector<std::string> rt, std::vector<std::string> wt)
      : options(o), data(d), rider_tokens(std::move(rt)), watcher_tokens(std::move(wt)),
        send_log(new SendLog[std::max<std::size_t>(1, d.riders.size())]) {
    orders_of.resize(watcher_tokens.size());
    for (std::size_t i = 0; i < d.orders.size(); ++i) {
      const auto c = static_cast<std::size_t>(d.orders[i].customer);
      if (c < orders_of.size()) orders_of[c].push_back(static_cast<int>(i));
    }
    const int threads = std::max(1, options.threads);
    for (int t = 0; t < threads; ++t) ctxs.push_back(std::make_unique<Ctx>());
    int global = 0;
    auto add = [&](bool rider, int i) {
      Ctx& c = *ctxs[static_cast<std::size_t>(global) % ctxs.size()];
      conns.push_back(std::make_unique<Conn>(c, rider, i, global++));
      c.conns.push_back(conns.back().get());
    };
    for (int i = 0; i < static_cast<int>(rider_tokens.size()); ++i) add(true, i);
    for (int i = 0; i < static_cast<int>(watcher_tokens.size()); ++i) add(false, i);
    for (auto& c : ctxs) c->thread = std::thread([ctx = c.get()] { ctx->ioc.run(); });
  }

  ~Impl() {
    for (auto& c : ctxs) {
      c->guard.reset();
      c->ioc.stop();
    }
    for (auto& c : ctxs) {
      if (c->thread.joinable()) c->thread.join();
    }
    conns.clear();  // sockets before their io_contexts
  }

  void Failed(const std::string& what) {
    std::lock_guard lock(error_mu);
    if (first_error.empty()) first_error = what;
  }

  // --- connecting (on the connection's thread) -------------------------------------------------
  void PumpConnects(Ctx& c) {
    const int window = std::max(1, options.connect_window / static_cast<int>(ctxs.size()));
    while (c.connecting < window && c.next_connect < c.conns.size()) {
      ++c.connecting;
      Connect(*c.conns[c.next_connect++]);
    }
  }

  void ConnectDone(Conn& k, beast::error_code ec, const char* step) {
    --k.ctx.connecting;
    if (ec) {
      ++failed;
      Failed(fmt::format("{} ({} connection {}): {}", step, k.rider ? "rider" : "watcher", k.index, ec.message()));
    } else {
      k.open = true;
      ++opened;
      Read(k);
    }
    PumpConnects(k.ctx);
  }

  void Connect(Conn& k) {
    auto& stream = beast::get_lowest_layer(k.ws);
    auto& socket = stream.socket();
    beast::error_code ec;
    socket.open(tcp::v4(), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      socket.bind(tcp::endpoint(asio::ip::address_v4(0x7f000002u + static_cast<unsigned>(k.number % kSources)), 0), ec);
    }
    if (ec) return ConnectDone(k, ec, "bind");
    stream.expires_after(std::chrono::seconds(30));
    stream.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), options.port), [this, &k](beast::error_code ec) {
      if (ec) return ConnectDone(k, ec, "connect");
      beast::get_lowest_layer(k.ws).expires_never();
      websocket::stream_base::timeout t{};
      t.handshake_timeout = std::chrono::seconds(30);
      t.idle_timeout = websocket::stream_base::none();
      t.keep_alive_pings = false;
      k.ws.set_option(t);
      const std::string& token = k.rider ? rider_tokens[static_cast<std::size_t>(k.index)]
                                         : watcher_tokens[static_cast<std::size_t>(k.index)];
      k.ws.set_option(websocket::stream_base::decorator(
          [auth = "Bearer " + token](websocket::request_type& req) { req.set(http::field::authorization, auth); }));
      k.ws.async_handshake("127.0.0.1", "/v1/ws",
                           [this, &k](beast::error_code ec) { ConnectDone(k, ec, "websocket handshake"); });
    });
  }

  // --- frames ----------------------------------------------------------------------------------
  void Read(Conn& k) {
    k.ws.async_read(k.in, [this, &k](beast::error_code ec, std::size_t) {
      if (ec) {
        if (k.open) ++closed;
        k.open = false;
        k.dead = true;
        return;
      }
      std::string_view text(static_cast<const char*>(k.in.data().data()), k.in.size());
      if (k.rider) {
        OnRiderFrame(k, text);
      } else {
        OnWatcherFrame(k, text);
      }
      k.in.consume(k.in.size());
      Read(k);
    });
  }

  void Send(Conn& k, std::string message) {
    if (k.dead) return;
    k.out.push_back(std::move(message));
    if (!k.writing) Write(k);
  }

  void Write(Conn& k) {
    k.writing = true;
    k.ws.text(true);
    k.ws.async_write(asio::buffer(k.out.front()), [this, &k](beast::error_code ec, std::size_t) {
      k.writing = false;
      k.out.pop_front();
      if (ec) {
        k.dead = true;
        return;
      }
      if (!k.out.empty()) Write(k);
    });
  }

  // --- riders ----------------------------------------------------------------------------------
  // Writes the rider's next fix (now, or 1 ms after its previous one); false if it must wait.
  bool SendFix(Conn& k) {
    const Millis now = WallMs();
    const Millis at = std::max(now, k.last_at + 1);
    if (at > now + kMaxAheadMs) return false;
    k.last_at = at;
    const SeededRider& r = data.riders[static_cast<std::size_t>(k.index)];
    const geo::Point p = PositionAt(r, at - options.seed_time);
    std::string message = fmt::format(R"({{"type":"locations","fixes":[{{"lat":{:.7f},"lon":{:.7f},"at":"{}"}}]}})",
                                      p.lat, p.lon, json::FormatTime(at));
    SendLog& log = send_log[static_cast<std::size_t>(k.index)];
    const auto slot = static_cast<int>(k.seq++ % SendLog::kSlots);
    log.sent_ns[slot].store(SteadyNs(), std::memory_order_relaxed);
    log.at_ms[slot].store(at, std::memory_order_release);
    Send(k, std::move(message));
    return true;
  }

  void PeakNext(Conn& k) {
    if (phase.load(std::memory_order_relaxed) != kPeak || k.dead) {
      if (k.in_flight) {
        k.in_flight = false;
        --in_flight;
      }
      return;
    }
    if (SendFix(k)) return;
    // This rider ran a minute ahead of the clock (few riders, very fast server): let time pass.
    k.timer.expires_after(std::chrono::milliseconds(10));
    k.timer.async_wait([this, &k](beast::error_code ec) {
      if (!ec) PeakNext(k);
    });
  }

  void LiveTick(Conn& k) {
    if (phase.load(std::memory_order_relaxed) != kLive || k.dead) return;
    if (SendFix(k)) ++sent;
    k.timer.expires_at(k.timer.expiry() + std::chrono::seconds(1));
    k.timer.async_wait([this, &k](beast::error_code ec) {
      if (!ec) LiveTick(k);
    });
  }

  void OnRiderFrame(Conn& k, std::string_view text) {
    if (text.find(R"("type":"locations_ack")") != std::string_view::npos) {
      auto at = text.find(R"("accepted":)");
      if (at != std::string_view::npos) {
        accepted += static_cast<std::uint64_t>(std::strtoull(text.data() + at + 11, nullptr, 10));
      }
    } else {
      ++errors;
      Failed(fmt::format("rider {}: {}", k.index, text.substr(0, 300)));
    }
    if (k.in_flight) PeakNext(k);
  }

  // --- watchers --------------------------------------------------------------------------------
  void OnWatcherFrame(Conn& k, std::string_view text) {
    const std::int64_t now_ns = SteadyNs();
    if (text.rfind(R"({"type":"position")", 0) == 0) {
      ++positions;
      if (phase.load(std::memory_order_relaxed) != kLive) return;
      auto at_pos = text.find(R"("at":")");
      if (at_pos == std::string_view::npos) return;
      auto end = text.find('"', at_pos + 6);
      auto at = events::ParseRfc3339(text.substr(at_pos + 6, end - at_pos - 6));
      if (!at.ok()) return;
      // "order_id":"ord_bench_NNNNNN": the order's index, hence its rider.
      auto id_pos = text.find(R"("order_id":"ord_bench_)");
      if (id_pos == std::string_view::npos) return;
      const auto order = static_cast<std::size_t>(std::strtoul(text.data() + id_pos + 22, nullptr, 10));
      if (order >= data.orders.size()) return;
      const int rider = data.orders[order].rider;
      SendLog& log = send_log[static_cast<std::size_t>(rider)];
      const std::int64_t start = live_start_ns.load(std::memory_order_relaxed);
      for (int s = 0; s < SendLog::kSlots; ++s) {
        if (log.at_ms[s].load(std::memory_order_acquire) != *at) continue;
        const std::int64_t sent_ns = log.sent_ns[s].load(std::memory_order_relaxed);
        if (sent_ns < start) break;  // a fix from before this phase (the position sent on subscribing)
        ++timed;
        std::lock_guard lock(k.ctx.latencies_mu);
        k.ctx.latencies_us.push_back(static_cast<float>(now_ns - sent_ns) / 1000.0f);
        break;
      }
      return;
    }
    if (text.rfind(R"({"type":"tracking")", 0) == 0) {
      ++tracking;
    } else if (text.rfind(R"({"type":"error")", 0) == 0) {
      ++tracking_failed;
      Failed(fmt::format("watcher {}: {}", k.index, text.substr(0, 300)));
    }
  }

  template <typename F>
  void ForEachConn(F f) {
    for (auto& c : ctxs) {
      asio::post(c->ioc, [c = c.get(), f] {
        for (Conn* k : c->conns) f(*k);
      });
    }
  }

  std::string FirstError() {
    std::lock_guard lock(error_mu);
    return first_error;
  }
};

WsLoad::WsLoad(LoadOptions options, const SeedData& data, std::vector<std::string> rider_tokens,
               std::vector<std::string> watcher_tokens)
    : impl_(std::make_unique<Impl>(options, data, std::move(rider_tokens), std::move(watcher_tokens))) {}

WsLoad::~WsLoad() = default;

Status WsLoad::ConnectAll(std::chrono::seconds timeout) {
  Impl& m = *impl_;
  for (auto& c : m.ctxs) asio::post(c->ioc, [&m, c = c.get()] { m.PumpConnects(*c); });
  const std::size_t total = m.conns.size();
  bool done = WaitFor([&] { return m.opened + m.failed >= total; }, timeout);
  if (m.failed > 0) {
    return Error::Unavailable(fmt::format("{} of {} connections failed; first: {}", m.failed.load(), total, m.FirstError()));
  }
  if (!done) return Error::Unavailable(fmt::format("only {} of {} connections opened in {} s", m.opened.load(), total,
                                                   timeout.count()));
  return OkStatus();
}

std::size_t WsLoad::Open() const { return impl_->opened - impl_->closed; }
std::uint64_t WsLoad::Closed() const { return impl_->closed; }

PeakStats WsLoad::RunPeak(std::chrono::milliseconds duration) {
  Impl& m = *impl_;
  const std::uint64_t accepted0 = m.accepted, errors0 = m.errors;
  m.phase = kPeak;
  const auto start = SteadyClock::now();
  m.ForEachConn([&m](Impl::Conn& k) {
    if (!k.rider || !k.open) return;
    k.in_flight = true;
    ++m.in_flight;
    m.PeakNext(k);
  });
  std::this_thread::sleep_for(duration);  // the riders run on their own threads meanwhile
  const std::uint64_t accepted_at_end = m.accepted;
  const auto end = SteadyClock::now();
  m.phase = kIdle;
  WaitFor([&] { return m.in_flight.load() <= 0; }, std::chrono::seconds(30));  // the last acknowledgements
  PeakStats out;
  out.fixes_accepted = accepted_at_end - accepted0;
  out.errors = m.errors - errors0;
  out.seconds = std::chrono::duration<double>(end - start).count();
  return out;
}

Status WsLoad::SubscribeAll(std::chrono::seconds timeout) {
  Impl& m = *impl_;
  m.ForEachConn([&m](Impl::Conn& k) {
    if (k.rider || !k.open) return;
    for (int order : m.orders_of[static_cast<std::size_t>(k.index)]) {
      m.Send(k, fmt::format(R"({{"type":"track","order_id":"{}"}})", m.data.orders[static_cast<std::size_t>(order)].id));
    }
  });
  const std::size_t watchers = m.data.orders.size();
  bool done = WaitFor([&] { return m.tracking + m.tracking_failed >= watchers; }, timeout);
  if (m.tracking_failed > 0) {
    return Error::Unavailable(fmt::format("{} watchers could not track their order; first: {}", m.tracking_failed.load(),
                                          m.FirstError()));
  }
  if (!done) return Error::Unavailable(fmt::format("only {} of {} watchers tracking after {} s", m.tracking.load(),
                                                   watchers, timeout.count()));
  return OkStatus();
}

LiveStats WsLoad::RunLive(std::chrono::milliseconds duration) {
  Impl& m = *impl_;
  const std::uint64_t accepted0 = m.accepted, errors0 = m.errors, sent0 = m.sent, positions0 = m.positions,
                      timed0 = m.timed;
  for (auto& c : m.ctxs) {
    std::lock_guard lock(c->latencies_mu);
    c->latencies_us.clear();
  }
  const auto start = SteadyClock::now() + std::chrono::milliseconds(100);
  m.live_start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  m.phase = kLive;
  const std::size_t riders = m.rider_tokens.size();
  m.ForEachConn([&m, start, riders](Impl::Conn& k) {
    if (!k.rider || !k.open) return;
    // Rider i first sends i/riders of a second into the phase: an even 1 fix/s per rider overall.
    k.timer.expires_at(start + std::chrono::microseconds(1'000'000LL * k.index / static_cast<long long>(riders)));
    k.timer.async_wait([&m, &k](beast::error_code ec) {
      if (!ec) m.LiveTick(k);
    });
  });
  std::this_thread::sleep_for(duration + std::chrono::milliseconds(100));
  m.phase = kIdle;
  const auto end = SteadyClock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // frames of the last fixes still in flight
  LiveStats out;
  out.seconds = std::chrono::duration<double>(end - start).count();
  out.fixes_sent = m.sent - sent0;
  out.fixes_accepted = m.accepted - accepted0;
  out.errors = m.errors - errors0;
  out.positions = m.positions - positions0;
  out.positions_timed = m.timed - timed0;
  for (auto& c : m.ctxs) {
    std::lock_guard lock(c->latencies_mu);
    for (float us : c->latencies_us) out.latencies_ms.push_back(us / 1000.0);
  }
  std::sort(out.latencies_ms.begin(), out.latencies_ms.end());
  return out;
}

Result<std::string> HttpGet(std::uint16_t port, const std::string& target, const std::string& token) {
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, fmt::format("127.0.0.1:{}", port));
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto res = parser.release();
    if (res.result_int() != 200) return Error::Unavailable(fmt::format("GET {}: HTTP {}", target, res.result_int()));
    return std::move(res.body());
  } catch (const std::exception& e) {
    return Error::Unavailable(fmt::format("GET {}: {}", target, e.what()));
  }
}

}  // namespace hotpath::loadgen
