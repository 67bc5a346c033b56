#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "net/server_test_support.h"

namespace hotpath::net::testing {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router& router = harness_.router();
    router.Add("GET", "/v1/orders/{id}", [](Request& request) {
      return Response::Json(200, "{\"id\":\"" + request.Param("id") + "\",\"rid\":\"" + request.request_id + "\"}");
    });
    router.Add("POST", "/v1/riders/me/online", [](Request&) { return Response::Text(200, "me"); });
    router.Add("POST", "/v1/riders/{id}/online", [](Request& r) { return Response::Text(200, "rider " + r.Param("id")); });
    router.Add("POST", "/v1/echo", [](Request& request) {
      Response response = Response::Text(201, request.body);
      response.headers.emplace_back("X-Query-Q", request.Query("q").value_or("-"));
      response.headers.emplace_back("X-Path", request.path);
      response.headers.emplace_back("X-Custom-Seen", request.Header("x-custom").value_or("-"));
      return response;
    });
    router.Add("GET", "/v1/boom", [](Request&) -> Response { throw std::runtime_error("kaboom 42"); });
    harness_.Start();
  }

  ServerHarness harness_;
};

TEST_F(ServerTest, RoutesWithParamsAndLiteralOverParam) {
  HttpClient client(harness_.port());
  const auto order = client.Send("GET", "/v1/orders/o-17");
  EXPECT_EQ(order.status, 200);
  EXPECT_EQ(order.Header("Content-Type"), "application/json");
  EXPECT_NE(order.body.find("\"id\":\"o-17\""), std::string::npos);
  EXPECT_EQ(client.Send("POST", "/v1/riders/me/online").body, "me");
  EXPECT_EQ(client.Send("POST", "/v1/riders/r5/online").body, "rider r5");
}

TEST_F(ServerTest, DecodesPathAndQueryAndPassesHeadersAndBody) {
  HttpClient client(harness_.port());
  const auto response =
      client.Send("POST", "/v1/%65cho?q=a+b%21&z=1", "payload", {{"X-Custom", "value"}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "payload");
  EXPECT_EQ(response.Header("X-Query-Q"), "a b!");
  EXPECT_EQ(response.Header("X-Path"), "/v1/echo");
  EXPECT_EQ(response.Header("X-Custom-Seen"), "value");
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  HttpClient client(harness_.port());
  const auto missing = client.Send("GET", "/v1/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("Content-Type"), "application/problem+json");
  EXPECT_NE(missing.body.find("\"type\":\"https://hotpath.dev/problems/not-found\""), std::string::npos);
  EXPECT_NE(missing.body.find("\"status\":404"), std::string::npos);
  const auto wrong = client.Send("DELETE", "/v1/orders/1");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("Allow"), "GET");
  EXPECT_EQ(wrong.Header("Content-Type"), "application/problem+json");
}

TEST_F(ServerTest, EchoesAWellFormedRequestIdAndReplacesABadOne) {
  HttpClient client(harness_.port());
  const auto echoed = client.Send("GET", "/v1/orders/1", "", {{"X-Request-Id", "client-id_1.2"}});
  EXPECT_EQ(echoed.Header("X-Request-Id"), "client-id_1.2");
  EXPECT_NE(echoed.body.find("\"rid\":\"client-id_1.2\""), std::string::npos);

  const auto replaced = client.Send("GET", "/v1/orders/1", "", {{"X-Request-Id", "bad id\"<script>"}});
  const auto generated = replaced.Header("X-Request-Id");
  ASSERT_TRUE(generated.has_value());
  EXPECT_EQ(generated->size(), 32u);
  EXPECT_NE(replaced.body.find(*generated), std::string::npos);

  const auto fresh1 = client.Send("GET", "/v1/orders/1").Header("X-Request-Id");
  const auto fresh2 = client.Send("GET", "/v1/nope").Header("X-Request-Id");
  ASSERT_TRUE(fresh1 && fresh2);
  EXPECT_NE(*fresh1, *fresh2);
}

TEST_F(ServerTest, OversizedBodyGets413AndTheConnectionCloses) {
  HttpClient client(harness_.port());
  // Announce far more than max_body_bytes (4096) and send only a little of it.
  client.WriteRaw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-1\r\nContent-Length: 10000000\r\n\r\n" +
                  std::string(1000, 'x'));
  const auto response = client.ReadResponse();
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(response.Header("X-Request-Id"), "big-1");
  EXPECT_NE(response.body.find("payload-too-large"), std::string::npos);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_TRUE(client.WaitForClose());
  const auto observations = harness_.observations();
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(observations[0].status, 413);
  EXPECT_EQ(observations[0].route, "");
  EXPECT_EQ(observations[0].request_id, "big-1");
  EXPECT_EQ(harness_.LogsWith({"\"status\":413", "\"request_id\":\"big-1\""}).size(), 1u);
}

TEST_F(ServerTest, OversizedChunkedBodyGets413) {
  HttpClient client(harness_.port());
  const std::string chunk(3000, 'y');
  client.WriteRaw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nbb8\r\n" + chunk +
                  "\r\nbb8\r\n" + chunk + "\r\n");
  EXPECT_EQ(client.ReadResponse().status, 413);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(ServerTest, GarbageGets400AndTheServerKeepsServing) {
  {
    HttpClient client(harness_.port());
    client.WriteRaw("\x16\x03\x01\x02 this is not http\r\n\r\n");
    const auto response = client.ReadResponse();
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
    EXPECT_NE(response.body.find("https://hotpath.dev/problems/bad-request"), std::string::npos);
    EXPECT_TRUE(client.WaitForClose());
  }
  HttpClient client(harness_.port());
  EXPECT_EQ(client.Send("GET", "/v1/orders/1").status, 200);
}

TEST_F(ServerTest, ThrowingHandlerGives500ProblemIsLoggedAndServingContinues) {
  HttpClient client(harness_.port());
  const auto response = client.Send("GET", "/v1/boom", "", {{"X-Request-Id", "boom-rid"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(response.body.find("kaboom"), std::string::npos) << "exception text must not leak to clients";
  EXPECT_EQ(harness_.LogsWith({"error ", "boom-rid", "kaboom 42"}).size(), 1u);
  EXPECT_EQ(client.Send("GET", "/v1/orders/2").status, 200);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnectionAndPipelinesInOrder) {
  HttpClient client(harness_.port());
  for (int i = 0; i < 5; ++i) {
    const auto response = client.Send("GET", "/v1/orders/" + std::to_string(i));
    ASSERT_EQ(response.status, 200);
    EXPECT_TRUE(response.keep_alive);
    EXPECT_NE(response.body.find("\"id\":\"" + std::to_string(i) + "\""), std::string::npos);
  }
  client.WriteRaw(
      "GET /v1/orders/a HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /v1/orders/c HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(client.ReadResponse().body.find("\"id\":\"a\""), std::string::npos);
  EXPECT_EQ(client.ReadResponse().body, "abc");
  EXPECT_NE(client.ReadResponse().body.find("\"id\":\"c\""), std::string::npos);
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponseBeforeTheBody) {
  HttpClient client(harness_.port());
  client.WriteRaw("POST /v1/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(client.ReadResponse().status, 100);
  client.WriteRaw("hello");
  const auto response = client.ReadResponse();
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "hello");
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  HttpClient client(harness_.port());
  const auto response = client.Send("GET", "/v1/orders/1", "", {{"Connection", "close"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(ServerTest, ServesConcurrentClients) {
  constexpr int kThreads = 8;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        HttpClient client(harness_.port());
        for (int i = 0; i < kRequests; ++i) {
          const std::string id = std::to_string(t) + "-" + std::to_string(i);
          const auto response = client.Send("GET", "/v1/orders/" + id);
          if (response.status == 200 && response.body.find("\"id\":\"" + id + "\"") != std::string::npos) ++ok;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST_F(ServerTest, ObserverSeesTemplatesAndAccessLogHasFieldsButNoSecrets) {
  HttpClient client(harness_.port());
  ASSERT_EQ(client.Send("POST", "/v1/echo", "top-secret-body", {{"Authorization", "Bearer tok-secret"},
                                                                {"X-Request-Id", "obs-1"}})
                .status,
            201);
  ASSERT_EQ(client.Send("GET", "/v1/unknown/path", "", {{"X-Request-Id", "obs-2"}}).status, 404);
  const auto observations = harness_.observations();
  ASSERT_EQ(observations.size(), 2u);
  EXPECT_EQ(observations[0].route, "/v1/echo");
  EXPECT_EQ(observations[0].status, 201);
  EXPECT_EQ(observations[0].request_id, "obs-1");
  EXPECT_EQ(observations[1].route, "");
  EXPECT_EQ(observations[1].path, "/v1/unknown/path");
  EXPECT_EQ(observations[1].status, 404);

  const auto lines = harness_.LogsWith({"\"msg\":\"request\"", "\"request_id\":\"obs-1\""});
  ASSERT_EQ(lines.size(), 1u);
  for (const auto field : {"\"time\":", "\"level\":\"info\"", "\"method\":\"POST\"", "\"route\":\"/v1/echo\"",
                           "\"path\":\"/v1/echo\"", "\"status\":201", "\"duration_ms\":", "\"remote\":\"127.0.0.1\""}) {
    EXPECT_NE(lines[0].find(field), std::string::npos) << field;
  }
  for (const auto& line : harness_.logs()) {
    EXPECT_EQ(line.find("secret"), std::string::npos) << line;
  }
}

TEST(ServerIdleTimeout, DropsASlowlorisClient) {
  ServerOptions options = ServerHarness::Defaults();
  options.idle_timeout = std::chrono::seconds(1);
  ServerHarness harness(options);
  harness.router().Add("GET", "/", [](Request&) { return Response::Text(200, "ok"); });
  harness.Start();
  HttpClient client(harness.port());
  client.WriteRaw("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // ... and never finish the headers
  EXPECT_TRUE(client.WaitForClose());
  HttpClient healthy(harness.port());
  EXPECT_EQ(healthy.Send("GET", "/").status, 200);
}

TEST(ServerLifecycle, StartFailsWhenThePortIsTaken) {
  ServerHarness first;
  first.Start();
  ServerOptions options;
  options.port = first.port();
  Router router;
  Server second(options, router);
  EXPECT_NE(second.Start(), "");
  second.Stop();
}

TEST(ServerLifecycle, StopIsIdempotentAndSafeWithoutStart) {
  Router router;
  {
    Server never_started(ServerOptions{}, router);
    never_started.Stop();
  }
  Server server(ServerOptions{}, router);
  ASSERT_EQ(server.Start(), "");
  const uint16_t port = server.Port();
  EXPECT_TRUE(CanConnect(port));
  server.Stop();
  server.Stop();
  EXPECT_FALSE(CanConnect(port));
}

TEST(ServerLifecycle, GracefulStopFinishesAnInFlightRequestThenRefusesConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ServerHarness harness;
  harness.router().Add("GET", "/slow", [&](Request&) {
    entered.set_value();
    released.wait();
    return Response::Text(200, "finished");
  });
  harness.Start();
  const uint16_t port = harness.port();

  auto response = std::async(std::launch::async, [port] {
    HttpClient client(port);
    return client.Send("GET", "/slow");
  });
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto stopped = std::async(std::launch::async, [&] { harness.server().Stop(std::chrono::seconds(10)); });

  // Stop closes the listener first; wait for that (bounded) while the handler is still blocked.
  bool refused = false;
  for (int attempt = 0; attempt < 500 && !refused; ++attempt) refused = !CanConnect(port);
  EXPECT_TRUE(refused);
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "Stop returned while a request was still in flight";

  release.set_value();
  ASSERT_EQ(response.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto answer = response.get();
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "finished");
  EXPECT_FALSE(answer.keep_alive) << "a stopping server closes the connection after answering";
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(CanConnect(port));
}

}  // namespace
}  // namespace hotpath::net::testing
