#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "net/server_test_support.h"

namespace hotpath::net::testing {
namespace {

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_.router().Add("GET", "/v1/ws", [this](Request& request) {
      const std::string id = request.request_id;
      WebSocketHandlers handlers;
      handlers.on_open = [this, id](const std::shared_ptr<WebSocket>& socket) {
        socket->user_data = std::make_shared<std::string>(id);
        {
          std::lock_guard lock(mutex_);
          socket_ = socket;
        }
        opened_.Notify();
      };
      handlers.on_message = [this](const std::shared_ptr<WebSocket>& socket, std::string_view text) {
        if (text == "bye") return socket->Close();
        if (text == "throw") throw std::runtime_error("bad message handler");
        EXPECT_TRUE(socket->Send("echo:" + std::string(text) + " from " +
                                 *std::static_pointer_cast<std::string>(socket->user_data)));
      };
      handlers.on_close = [this](const std::shared_ptr<WebSocket>& socket) {
        EXPECT_FALSE(socket->IsOpen());
        closed_.Notify();
      };
      return Response::Upgrade(std::move(handlers));
    });
    harness_.Start();
  }

  std::shared_ptr<WebSocket> socket() {
    std::lock_guard lock(mutex_);
    return socket_;
  }

  std::mutex mutex_;
  std::shared_ptr<WebSocket> socket_;
  Signal opened_;
  Signal closed_;
  static ServerOptions Options() {
    ServerOptions options = ServerHarness::Defaults();
    options.max_stream_queue = 16;
    return options;
  }
  ServerHarness harness_{Options()};  // last: stopped before the state its callbacks use dies
};

TEST_F(WebSocketTest, EchoRoundTripAndOnCloseWhenTheClientCloses) {
  WsClient client(harness_.port(), "/v1/ws");
  const std::string id = client.HandshakeRequestId();
  EXPECT_EQ(id.size(), 32u);
  ASSERT_TRUE(opened_.WaitFor());
  for (const std::string text : {"one", "two", "three"}) {
    client.Send(text);
    EXPECT_EQ(client.Read(), "echo:" + text + " from " + id);
  }
  client.Close();
  ASSERT_TRUE(closed_.WaitFor());
  EXPECT_FALSE(socket()->Send("too late"));
  harness_.server().Stop();
  EXPECT_EQ(closed_.count(), 1) << "on_close runs exactly once";
  const auto observations = harness_.observations();
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(observations[0].status, 101);
  EXPECT_EQ(observations[0].route, "/v1/ws");
}

TEST_F(WebSocketTest, ServerPushFromAnotherThreadAndServerSideClose) {
  WsClient client(harness_.port(), "/v1/ws");
  ASSERT_TRUE(opened_.WaitFor());
  EXPECT_TRUE(socket()->Send("pushed 1"));
  EXPECT_TRUE(socket()->Send("pushed 2"));
  EXPECT_EQ(client.Read(), "pushed 1");
  EXPECT_EQ(client.Read(), "pushed 2");
  client.Send("bye");
  EXPECT_EQ(client.Read(), std::nullopt);  // the server closed
  EXPECT_TRUE(closed_.WaitFor());
}

TEST_F(WebSocketTest, ThrowingCallbackIsLoggedAndTheConnectionSurvives) {
  WsClient client(harness_.port(), "/v1/ws");
  client.Send("throw");
  client.Send("still here");
  EXPECT_EQ(client.Read(), "echo:still here from " + client.HandshakeRequestId());
  EXPECT_EQ(harness_.LogsWith({"bad message handler", client.HandshakeRequestId()}).size(), 1u);
}

TEST_F(WebSocketTest, StopCutsAClientThatIgnoresTheCloseHandshake) {
  WsClient client(harness_.port(), "/v1/ws");
  ASSERT_TRUE(opened_.WaitFor());
  harness_.server().Stop(std::chrono::milliseconds(200));  // the client reads nothing meanwhile
  EXPECT_EQ(closed_.count(), 1);
  EXPECT_EQ(client.Read(), std::nullopt);
}

TEST(WebSocketLifetime, AHandleKeptAfterTheServerIsDestroyedReportsClosed) {
  Signal opened;
  Signal closed;
  std::mutex mutex;
  std::shared_ptr<WebSocket> kept;
  auto harness = std::make_unique<ServerHarness>();
  harness->router().Add("GET", "/ws", [&](Request&) {
    WebSocketHandlers handlers;
    handlers.on_open = [&](const std::shared_ptr<WebSocket>& socket) {
      std::lock_guard lock(mutex);
      kept = socket;
      opened.Notify();
    };
    handlers.on_close = [&](const std::shared_ptr<WebSocket>&) { closed.Notify(); };
    return Response::Upgrade(std::move(handlers));
  });
  harness->Start();
  WsClient client(harness->port(), "/ws");
  ASSERT_TRUE(opened.WaitFor());
  harness.reset();
  EXPECT_EQ(closed.count(), 1);
  std::lock_guard lock(mutex);
  EXPECT_FALSE(kept->IsOpen());
  EXPECT_FALSE(kept->Send("nobody"));
  kept->Close();
}

// Keep-alive without a timer per message: a peer that answers the pings (any frame counts) stays
// open however long it is quiet; one that answers nothing is closed after the idle timeout.
TEST(WebSocketIdle, APeerThatAnswersPingsStaysAndASilentOneIsClosed) {
  ServerOptions options = ServerHarness::Defaults();
  options.websocket_idle_timeout = std::chrono::milliseconds(300);  // a tick (ping) every 150 ms
  Signal opened;
  Signal closed;
  std::mutex mutex;
  std::vector<std::shared_ptr<WebSocket>> sockets;  // in opening order
  ServerHarness harness(options);
  harness.router().Add("GET", "/ws", [&](Request&) {
    WebSocketHandlers handlers;
    handlers.on_open = [&](const std::shared_ptr<WebSocket>& socket) {
      {
        std::lock_guard lock(mutex);
        sockets.push_back(socket);
      }
      opened.Notify();
    };
    handlers.on_close = [&](const std::shared_ptr<WebSocket>&) { closed.Notify(); };
    return Response::Upgrade(std::move(handlers));
  });
  harness.Start();
  WsClient reading(harness.port(), "/ws");
  ASSERT_TRUE(opened.WaitFor(1));
  // Reads (so Beast answers every ping with a pong) until the server sends something.
  auto read = std::async(std::launch::async, [&] { return reading.Read(); });
  WsClient silent(harness.port(), "/ws");  // never reads: its pings stay unanswered
  ASSERT_TRUE(opened.WaitFor(2));
  const auto silent_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(closed.WaitFor(1, std::chrono::seconds(5)));
  EXPECT_GE(std::chrono::steady_clock::now() - silent_since, std::chrono::milliseconds(250));
  std::shared_ptr<WebSocket> kept;
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(sockets.size(), 2u);
    EXPECT_TRUE(sockets[0]->IsOpen());
    EXPECT_FALSE(sockets[1]->IsOpen());
    kept = sockets[0];
  }
  // Several idle timeouts pass: the reading peer, pinged at every quiet tick, is still there.
  // (The wait is the quiet period under test, not a synchronisation.)
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(closed.count(), 1);
  ASSERT_TRUE(kept->Send("still open"));
  EXPECT_EQ(read.get(), "still open");
  EXPECT_EQ(silent.Read(), std::nullopt);  // the server closed it
}

TEST_F(WebSocketTest, CoalescedSendsKeepOnlyTheNewestOfASlot) {
  WsClient client(harness_.port(), "/v1/ws");
  ASSERT_TRUE(opened_.WaitFor());
  // Fill the socket with a big message so that the slot's placeholder waits in the queue.
  const std::string big(15 << 20, 'x');  // more than loopback buffers hold, under the client's 16 MiB limit
  ASSERT_TRUE(socket()->Send(big));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(socket()->SendLatest("pos", "pos " + std::to_string(i)));
  ASSERT_TRUE(socket()->Send("status"));
  std::vector<std::string> got;
  while (got.size() < 3) {
    auto m = client.Read();
    ASSERT_TRUE(m);
    got.push_back(m->size() > 100 ? "big" : *m);
  }
  // The position was coalesced to the newest; ordering with the other messages is kept.
  EXPECT_EQ(got, (std::vector<std::string>{"big", "pos 99", "status"}));
}

TEST_F(WebSocketTest, AnOverflowingSubscriberIsClosedWithAReason) {
  WsClient client(harness_.port(), "/v1/ws");
  ASSERT_TRUE(opened_.WaitFor());
  const std::string big(1 << 20, 'z');
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) refused = !socket()->Send(big);
  ASSERT_TRUE(refused);
  while (client.Read()) {
  }
  auto [code, reason] = client.CloseReason();
  EXPECT_EQ(code, 1008);
  EXPECT_NE(reason.find("too slow"), std::string::npos) << reason;
  EXPECT_TRUE(closed_.WaitFor());
}

TEST_F(WebSocketTest, PlainRequestGets426Problem) {
  HttpClient client(harness_.port());
  const auto response = client.Send("GET", "/v1/ws");
  EXPECT_EQ(response.status, 426);
  EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(response.Header("Upgrade"), "websocket");
  EXPECT_NE(response.body.find("https://hotpath.dev/problems/upgrade-required"), std::string::npos);
  EXPECT_EQ(opened_.count(), 0);
}

TEST_F(WebSocketTest, ServerStopClosesTheSocketAndRunsOnClose) {
  WsClient client(harness_.port(), "/v1/ws");
  ASSERT_TRUE(opened_.WaitFor());
  // The client keeps reading, so it answers the server's close frame.
  auto read = std::async(std::launch::async, [&] { return client.Read(); });
  harness_.server().Stop();
  EXPECT_EQ(closed_.count(), 1);
  EXPECT_EQ(read.get(), std::nullopt);
  EXPECT_FALSE(socket()->IsOpen());
}

}  // namespace
}  // namespace hotpath::net::testing
