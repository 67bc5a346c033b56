#include "net/test_client.h"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <stdexcept>

namespace hotpath::net::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(5);

// Starts one asynchronous operation through `start(handler)` and runs the io_context until it
// completes. After kTimeout the socket is closed (which completes the operation) and timed_out is
// returned.
template <typename Start>
beast::error_code Run(asio::io_context& ioc, tcp::socket& socket, Start start) {
  beast::error_code result;
  bool done = false;
  start([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  ioc.run_for(kTimeout);
  if (done) return result;
  beast::error_code ignored;
  socket.close(ignored);
  ioc.restart();
  ioc.run();
  return asio::error::timed_out;
}

void Check(const beast::error_code& ec, std::string_view what) {
  if (ec) throw std::runtime_error(std::string(what) + ": " + ec.message());
}

tcp::endpoint Loopback(uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

ClientResponse ToClientResponse(http::response<http::string_body>&& message) {
  ClientResponse response;
  response.status = static_cast<int>(message.result_int());
  response.keep_alive = message.keep_alive();
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

}  // namespace

std::optional<std::string> ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), key.size()) == 0) return value;
  }
  return std::nullopt;
}

// --- HttpClient ---

struct HttpClient::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  tcp::socket& socket() { return stream.socket(); }
};

HttpClient::HttpClient(uint16_t port) : impl_(std::make_unique<Impl>()) {
  Check(Run(impl_->ioc, impl_->socket(), [&](auto handler) { impl_->stream.async_connect(Loopback(port), handler); }),
        "connect");
}

HttpClient::~HttpClient() = default;

ClientResponse HttpClient::Send(std::string_view method, std::string_view target, std::string body,
                                const HeaderList& headers) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = std::move(body);
  if (!request.body().empty() || method == "POST" || method == "PUT" || method == "PATCH") request.prepare_payload();
  Check(Run(impl_->ioc, impl_->socket(), [&](auto handler) { http::async_write(impl_->stream, request, handler); }),
        "write");
  return ReadResponse();
}

void HttpClient::WriteRaw(std::string_view bytes) {
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()), handler); }),
        "write");
}

ClientResponse HttpClient::ReadResponse() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { http::async_read(impl_->stream, impl_->buffer, parser, handler); }),
        "read");
  return ToClientResponse(parser.release());
}

bool HttpClient::WaitForClose() {
  char scratch[4096];
  while (true) {
    const auto ec = Run(impl_->ioc, impl_->socket(), [&](auto handler) {
      impl_->stream.async_read_some(asio::buffer(scratch), handler);
    });
    if (ec == asio::error::timed_out) return false;
    if (ec) return true;  // eof or reset
  }
}

bool CanConnect(uint16_t port) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  return !Run(ioc, socket, [&](auto handler) { socket.async_connect(Loopback(port), handler); });
}

// --- SseClient ---

struct SseClient::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  ClientResponse head;
  std::string pending;
  bool ended = false;
  bool timed_out = false;
  tcp::socket& socket() { return stream.socket(); }

  // Reads more of the body into `pending`; false when the stream is over.
  bool ReadMore() {
    if (ended) return false;
    const auto ec = Run(ioc, socket(), [&](auto handler) { http::async_read_some(stream, buffer, parser, handler); });
    pending += parser.get().body();
    parser.get().body().clear();
    if (ec == asio::error::timed_out) timed_out = true;
    if (ec || parser.is_done()) ended = true;
    return true;
  }
};

SseClient::SseClient(uint16_t port, std::string_view target, const HeaderList& headers)
    : impl_(std::make_unique<Impl>()) {
  Check(Run(impl_->ioc, impl_->socket(), [&](auto handler) { impl_->stream.async_connect(Loopback(port), handler); }),
        "connect");
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::accept, "text/event-stream");
  for (const auto& [name, value] : headers) request.insert(name, value);
  Check(Run(impl_->ioc, impl_->socket(), [&](auto handler) { http::async_write(impl_->stream, request, handler); }),
        "write");
  impl_->parser.body_limit(boost::none);
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { http::async_read_header(impl_->stream, impl_->buffer, impl_->parser, handler); }),
        "read header");
  const auto& message = impl_->parser.get();
  impl_->head.status = static_cast<int>(message.result_int());
  impl_->head.keep_alive = message.keep_alive();
  for (const auto& field : message) {
    impl_->head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (impl_->parser.is_done()) {  // a plain (error) response: keep its body
    impl_->head.body = message.body();
    impl_->ended = true;
  }
}

SseClient::~SseClient() = default;

const ClientResponse& SseClient::Head() const { return impl_->head; }

std::optional<SseEvent> SseClient::Next() {
  while (true) {
    const auto end = impl_->pending.find("\n\n");
    if (end != std::string::npos) {
      const std::string block = impl_->pending.substr(0, end + 1);
      impl_->pending.erase(0, end + 2);
      SseEvent event;
      bool any = false;
      bool has_data = false;
      std::size_t start = 0;
      while (start < block.size()) {
        const auto newline = block.find('\n', start);
        const std::string line = block.substr(start, newline - start);
        start = newline + 1;
        if (line.empty() || line.front() == ':') continue;
        const auto colon = line.find(':');
        const std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.erase(0, 1);
        any = true;
        if (field == "id") event.id = value;
        if (field == "event") event.event = value;
        if (field == "data") {
          if (has_data) event.data += '\n';
          event.data += value;
          has_data = true;
        }
      }
      if (any) return event;
      continue;
    }
    if (!impl_->ReadMore()) return std::nullopt;
  }
}

bool SseClient::WaitForEnd() {
  while (impl_->ReadMore()) {
  }
  return !impl_->timed_out;
}

void SseClient::Disconnect() {
  beast::error_code ignored;
  impl_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->socket().close(ignored);
}

// --- WsClient ---

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  std::string request_id;
  tcp::socket& socket() { return beast::get_lowest_layer(ws).socket(); }
};

WsClient::WsClient(uint16_t port, std::string_view target) : impl_(std::make_unique<Impl>()) {
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { beast::get_lowest_layer(impl_->ws).async_connect(Loopback(port), handler); }),
        "connect");
  websocket::response_type response;
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { impl_->ws.async_handshake(response, "127.0.0.1", target, handler); }),
        "handshake");
  impl_->request_id = std::string(response["X-Request-Id"]);
}

WsClient::~WsClient() = default;

void WsClient::Send(std::string_view text) {
  impl_->ws.text(true);
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { impl_->ws.async_write(asio::buffer(text.data(), text.size()), handler); }),
        "ws write");
}

std::optional<std::string> WsClient::Read() {
  const auto ec = Run(impl_->ioc, impl_->socket(), [&](auto handler) { impl_->ws.async_read(impl_->buffer, handler); });
  if (ec) return std::nullopt;
  std::string text = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  return text;
}

void WsClient::Close() {
  Check(Run(impl_->ioc, impl_->socket(),
            [&](auto handler) { impl_->ws.async_close(websocket::close_code::normal, handler); }),
        "ws close");
}

const std::string& WsClient::HandshakeRequestId() const { return impl_->request_id; }

std::pair<int, std::string> WsClient::CloseReason() const {
  const auto& why = impl_->ws.reason();
  return {static_cast<int>(why.code), std::string(why.reason.c_str())};
}

}  // namespace hotpath::net::testing
