// Deferred responses (Response::Later): answered from another thread, offloaded to the workers,
// dropped unanswered, answered after the client went away, and kept in order on a keep-alive
// connection, and answered after the server stopped or was destroyed (a Redis read that outlasts the
// shutdown grace). The hot cached reads use them (catalog's menu route); the sanitizer build runs these.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "net/server_test_support.h"

namespace hotpath::net::testing {
namespace {

class LaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router& router = harness_.router();
    // Parked: the test answers it from its own thread.
    router.AddNonBlocking("GET", "/parked/{id}", [this](Request& r) {
      std::string id = r.Param("id");
      return Response::Later([this, id](const std::shared_ptr<Completion>& c) {
        std::lock_guard lock(mu_);
        parked_.push_back(c);
        ids_.push_back(id);
        cv_.notify_all();
      });
    });
    router.AddNonBlocking("GET", "/offload/{id}", [](Request& r) {
      std::string id = r.Param("id");
      return Response::Later([id](const std::shared_ptr<Completion>& c) {
        c->Offload([id] { return Response::Text(200, "worker " + id); });
      });
    });
    router.AddNonBlocking("GET", "/dropped", [](Request&) {
      return Response::Later([](const std::shared_ptr<Completion>&) {});
    });
    harness_.Start();
  }
  // The completions of the first `n` parked requests (waits for them to arrive, bounded).
  std::vector<std::shared_ptr<Completion>> Parked(std::size_t n) {
    std::unique_lock lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return parked_.size() >= n; }));
    return parked_;
  }

  ServerHarness harness_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Completion>> parked_;  // guarded by mu_
  std::vector<std::string> ids_;                     // guarded by mu_
};

TEST_F(LaterTest, AnsweredFromAnotherThreadOffloadedOrDroppedEachGetsItsResponse) {
  HttpClient client(harness_.port());
  auto parked = std::async(std::launch::async, [&] { return client.Send("GET", "/parked/a"); });
  auto c = Parked(1);
  std::thread([c0 = c[0]] { c0->Reply(Response::Text(200, "answered later")); }).join();
  auto r = parked.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "answered later");
  EXPECT_EQ(client.Send("GET", "/offload/b").body, "worker b");
  EXPECT_EQ(client.Send("GET", "/dropped").status, 500);
  EXPECT_EQ(client.Send("GET", "/offload/c").body, "worker c");  // the connection keeps serving
}

TEST_F(LaterTest, PipelinedRequestsAnsweredOutOfOrderAreWrittenInOrder) {
  HttpClient client(harness_.port());
  client.WriteRaw("GET /parked/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /offload/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto c = Parked(1);
  c[0]->Reply(Response::Text(200, "first"));
  EXPECT_EQ(client.ReadResponse().body, "first");
  EXPECT_EQ(client.ReadResponse().body, "worker 2");
}

TEST_F(LaterTest, AnAnswerAfterTheClientLeftIsDroppedAndTheServerKeepsServing) {
  {
    HttpClient gone(harness_.port());
    gone.WriteRaw("GET /parked/x HTTP/1.1\r\nHost: x\r\n\r\n");
    Parked(1);
  }  // the client closes its connection before the answer
  auto c = Parked(1);
  c[0]->Reply(Response::Text(200, "nobody listens"));
  c.clear();
  {
    std::lock_guard lock(mu_);
    parked_.clear();
  }
  HttpClient client(harness_.port());
  EXPECT_EQ(client.Send("GET", "/offload/next").body, "worker next");
}

// Without the liveness gate the late answer was reported (observer, access log) by a stopped server
// and posted to its stopped io_context; after the server's destruction it touched freed memory (the
// server's core, strand and worker pool: AddressSanitizer heap-use-after-free in the next test).
TEST_F(LaterTest, AnAnswerAfterTheServerStoppedIsDroppedCountedAndLogged) {
  HttpClient client(harness_.port());
  client.WriteRaw("GET /parked/late HTTP/1.1\r\nHost: x\r\n\r\n");
  auto c = Parked(1);
  harness_.server().Stop(std::chrono::milliseconds(20));  // the grace passes with the request parked
  EXPECT_TRUE(client.WaitForClose());
  c[0]->Reply(Response::Text(200, "too late"));
  EXPECT_EQ(harness_.server().DeferredAnswersDropped(), 1u);
  for (const auto& o : harness_.observations()) EXPECT_NE(o.path, "/parked/late");  // never reported
  EXPECT_EQ(harness_.LogsWith({"deferred answer dropped", "\"warn\""}).size(), 1u);
}

TEST_F(LaterTest, CompletionsAnsweredOffloadedOrDroppedAfterTheServerIsDestroyedDoNothing) {
  HttpClient a(harness_.port()), b(harness_.port()), d(harness_.port());
  a.WriteRaw("GET /parked/a HTTP/1.1\r\nHost: x\r\n\r\n");
  b.WriteRaw("GET /parked/b HTTP/1.1\r\nHost: x\r\n\r\n");
  d.WriteRaw("GET /parked/d HTTP/1.1\r\nHost: x\r\n\r\n");
  auto c = Parked(3);
  {
    std::lock_guard lock(mu_);
    parked_.clear();
  }
  harness_.server().Stop(std::chrono::milliseconds(20));  // the grace passes with all three parked
  harness_.Destroy();
  c[0]->Reply(Response::Text(200, "too late"));
  std::atomic<bool> ran{false};
  c[1]->Offload([&ran] {
    ran = true;
    return Response::Text(200, "too late");
  });
  c.clear();  // the third, dropped unanswered, would answer 500
  EXPECT_FALSE(ran.load());  // the worker pool is gone: the work is not run
  for (const auto& o : harness_.observations()) EXPECT_EQ(o.path.rfind("/parked/", 0), std::string::npos);
}

}  // namespace
}  // namespace hotpath::net::testing
