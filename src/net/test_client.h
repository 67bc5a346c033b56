#pragma once
// A small synchronous HTTP / SSE / WebSocket client for net's tests. Every operation gives up after
// a few seconds (throwing std::runtime_error, or returning empty for reads), so a broken server
// fails a test instead of hanging it. Beast lives only in test_client.cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/http.h"

namespace hotpath::net::testing {

struct ClientResponse {
  int status = 0;
  std::string body;
  HeaderList headers;
  bool keep_alive = false;
  [[nodiscard]] std::optional<std::string> Header(std::string_view name) const;
};

// One keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  ClientResponse Send(std::string_view method, std::string_view target, std::string body = {},
                      const HeaderList& headers = {});
  void WriteRaw(std::string_view bytes);
  ClientResponse ReadResponse();
  // True when the server closes the connection (EOF or reset) before the timeout.
  bool WaitForClose();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether 127.0.0.1:port accepts a TCP connection.
[[nodiscard]] bool CanConnect(uint16_t port);

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class SseClient {
 public:
  SseClient(uint16_t port, std::string_view target, const HeaderList& headers = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  [[nodiscard]] const ClientResponse& Head() const;
  // The next event (comments skipped); nullopt when the stream ends or nothing comes in time.
  std::optional<SseEvent> Next();
  // True when the server ends the stream before the timeout.
  bool WaitForEnd();
  void Disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WsClient {
 public:
  // Connects and performs the upgrade handshake; throws if it fails.
  WsClient(uint16_t port, std::string_view target);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  void Send(std::string_view text);
  // The next text message; nullopt when the server closed the connection or nothing came in time.
  std::optional<std::string> Read();
  // Starts the close handshake and waits for it.
  void Close();
  // After Read returned nullopt because the server closed: its close code and reason (0, "" if none).
  [[nodiscard]] std::pair<int, std::string> CloseReason() const;
  [[nodiscard]] const std::string& HandshakeRequestId() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotpath::net::testing
