// A WebSocket peer that sends but does not read its answers: the server stops reading it (TCP flow
// control then blocks the peer's writes) instead of queueing answers until the connection
// overflows, and once the peer reads again it gets every answer, in order, on the same connection.
// The peer is a raw socket (non-blocking writes show when the server stops reading).

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>

#include "net/server_test_support.h"

namespace hotpath::net::testing {
namespace {

constexpr std::size_t kAnswerBytes = 32 * 1024;  // large answers fill the socket buffers quickly

class RawPeer {
 public:
  explicit RawPeer(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 8192;  // small buffers: the server's answers back up after a few of them
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) throw std::runtime_error("connect");
    const std::string upgrade =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (::send(fd_, upgrade.data(), upgrade.size(), 0) != static_cast<ssize_t>(upgrade.size())) {
      throw std::runtime_error("send upgrade");
    }
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {  // the 101 answer, nothing after it yet
      char c;
      if (!WaitFor(POLLIN, 5000) || ::recv(fd_, &c, 1, 0) != 1) throw std::runtime_error("no upgrade answer");
      head += c;
    }
    if (head.rfind("HTTP/1.1 101", 0) != 0) throw std::runtime_error("upgrade refused: " + head);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~RawPeer() { ::close(fd_); }

  bool WaitFor(short events, int ms) {
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, ms) == 1 && (p.revents & events) != 0;
  }

  // Appends a masked client text frame (a zero masking key: the payload goes as it is).
  void Queue(std::string_view text) {
    out_ += static_cast<char>(0x81);
    out_ += static_cast<char>(0x80 | text.size());  // short messages only (< 126 bytes)
    out_.append(4, '\0');
    out_.append(text);
  }
  // Writes what it can without blocking; false when the server closed the connection.
  bool Flush() {
    while (!out_.empty()) {
      const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      out_.erase(0, static_cast<std::size_t>(n));
    }
    return true;
  }
  [[nodiscard]] bool Pending() const { return !out_.empty(); }

  // Takes what has arrived; false at EOF or on an error.
  bool Receive() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    in_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  // The next complete message (opcode, payload) already received, its fragments joined (Beast
  // splits large messages into frames of a few KiB).
  std::optional<std::pair<int, std::string>> NextMessage() {
    while (auto frame = NextFrame()) {
      const auto [fin, opcode, payload] = *frame;
      if (opcode != 0) message_opcode_ = opcode;
      message_ += payload;
      if (!fin) continue;
      std::pair<int, std::string> out{message_opcode_, std::move(message_)};
      message_.clear();
      return out;
    }
    return std::nullopt;
  }

 private:
  std::optional<std::tuple<bool, int, std::string>> NextFrame() {
    if (in_.size() < 2) return std::nullopt;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    std::size_t header = 2, length = p[1] & 0x7f;
    if (length == 126) {
      if (in_.size() < 4) return std::nullopt;
      length = (std::size_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (length == 127) {
      if (in_.size() < 10) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      header = 10;
    }
    if (in_.size() < header + length) return std::nullopt;
    std::tuple<bool, int, std::string> frame{(p[0] & 0x80) != 0, p[0] & 0x0f, in_.substr(header, length)};
    in_.erase(0, header + length);
    return frame;
  }

  int fd_ = -1;
  std::string out_, in_;
  std::string message_;  // fragments of the message being received
  int message_opcode_ = 0;
};

TEST(WebSocketBackpressure, APeerThatDoesNotReadIsNotReadEitherAndLaterGetsEveryAnswer) {
  ServerOptions options = ServerHarness::Defaults();
  options.max_stream_queue = 16;  // the session stops reading at 4 queued answers
  std::atomic<int> seen{0};
  Signal closed;
  ServerHarness harness(options);
  harness.router().Add("GET", "/ws", [&](Request&) {
    WebSocketHandlers handlers;
    handlers.on_message = [](const std::shared_ptr<WebSocket>&, std::string_view) {};
    handlers.try_inline = [&](const std::shared_ptr<WebSocket>&, std::string_view text) {
      if (text.rfind("m", 0) != 0) return false;
      ++seen;
      return true;
    };
    // One large answer per read batch, saying how many messages it covers.
    handlers.on_read_idle = [&](const std::shared_ptr<WebSocket>& socket) {
      std::string answer = "seen " + std::to_string(seen.load()) + " ";
      answer.resize(kAnswerBytes, '.');
      socket->Send(std::move(answer));
    };
    handlers.on_close = [&](const std::shared_ptr<WebSocket>&) { closed.Notify(); };
    return Response::Upgrade(std::move(handlers));
  });
  harness.Start();
  RawPeer peer(harness.port());

  // Write without reading until the writes stay blocked: the server no longer reads this peer.
  // Without back-pressure the server would read on, queue an answer per read and close the
  // connection when its queue overflows (then the writes fail).
  int sent = 0;
  std::size_t bytes = 0;
  bool blocked = false;
  while (!blocked && bytes < (64u << 20)) {
    if (!peer.Pending()) {
      for (int i = 0; i < 256; ++i) {
        const std::string m = "m" + std::to_string(++sent);
        peer.Queue(m);
        bytes += m.size() + 6;
      }
    }
    ASSERT_TRUE(peer.Flush()) << "the server closed the connection after " << sent << " messages";
    if (peer.Pending()) blocked = !peer.WaitFor(POLLOUT, 2000);
  }
  ASSERT_TRUE(blocked) << "64 MiB written and the server still reads a peer that reads nothing";
  EXPECT_EQ(closed.count(), 0);
  const int seen_while_blocked = seen.load();
  EXPECT_LT(seen_while_blocked, sent);  // the rest waits in the socket buffers, not in the server

  // Now read: every answer arrives, in order, and the last one covers every message sent.
  int last = 0;
  std::size_t answers = 0;
  while (last < sent) {
    ASSERT_TRUE(peer.WaitFor(POLLIN, 10000)) << "no answer after " << last << " of " << sent;
    ASSERT_TRUE(peer.Receive()) << "closed after " << last << " of " << sent;
    ASSERT_TRUE(peer.Flush());
    while (auto frame = peer.NextMessage()) {
      ASSERT_EQ(frame->first, 1) << "not a text frame (a close?): " << frame->second.substr(0, 80);
      ASSERT_EQ(frame->second.size(), kAnswerBytes);
      const int count = std::stoi(frame->second.substr(5));
      EXPECT_GT(count, last);
      last = count;
      ++answers;
    }
  }
  EXPECT_EQ(last, sent);
  EXPECT_GT(answers, 4u);
  // The same connection goes on.
  peer.Queue("m" + std::to_string(++sent));
  ASSERT_TRUE(peer.Flush());
  std::optional<std::pair<int, std::string>> frame;
  while (!frame) {
    ASSERT_TRUE(peer.WaitFor(POLLIN, 10000));
    ASSERT_TRUE(peer.Receive());
    frame = peer.NextMessage();
  }
  EXPECT_EQ(std::stoi(frame->second.substr(5)), sent);
  EXPECT_EQ(closed.count(), 0);
}

}  // namespace
}  // namespace hotpath::net::testing
