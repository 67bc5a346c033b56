#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>

#include "net/server_test_support.h"

namespace hotpath::net::testing {
namespace {

class SseTest : public ::testing::Test {
 protected:
  void SetUp() override { options_ = ServerHarness::Defaults(); }

  void Start() {
    harness_ = std::make_unique<ServerHarness>(options_);
    Router& router = harness_->router();
    router.Add("GET", "/v1/orders/{id}/events", [this](Request& request) {
      last_event_id_ = request.Header("Last-Event-ID").value_or("");
      return Response::Sse([this](const std::shared_ptr<EventStream>& stream) {
        stream->OnClose([this] { closed_.Notify(); });
        {
          std::lock_guard lock(mutex_);
          stream_ = stream;
        }
        EXPECT_TRUE(stream->Send("1", "order.placed", "{\"status\":\"placed\"}"));
        EXPECT_TRUE(stream->Comment("just a comment"));
        EXPECT_TRUE(stream->Send("2", "order.note", "line one\nline two\nline three"));
        EXPECT_TRUE(stream->Send("3", "", "last"));
        started_.Notify();
      });
    });
    router.Add("GET", "/v1/denied/events", [](Request&) {
      Response response = Response::Sse([](const std::shared_ptr<EventStream>&) { ADD_FAILURE() << "started"; });
      response.status = 403;
      response.content_type = "application/problem+json";
      response.body = "{\"status\":403}";
      return response;
    });
    harness_->Start();
  }

  std::shared_ptr<EventStream> stream() {
    std::lock_guard lock(mutex_);
    return stream_;
  }

  ServerOptions options_;
  std::mutex mutex_;
  std::shared_ptr<EventStream> stream_;
  std::string last_event_id_;
  Signal started_;
  Signal closed_;
  std::unique_ptr<ServerHarness> harness_;  // last: stopped before the state its callbacks use dies
};

TEST_F(SseTest, DeliversEventsInOrderWithIdsAndMultiLineData) {
  Start();
  SseClient client(harness_->port(), "/v1/orders/o1/events", {{"X-Request-Id", "sse-1"}, {"Last-Event-ID", "7"}});
  EXPECT_EQ(client.Head().status, 200);
  EXPECT_EQ(client.Head().Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(client.Head().Header("Cache-Control"), "no-cache");
  EXPECT_EQ(client.Head().Header("X-Request-Id"), "sse-1");
  const auto first = client.Next();
  const auto second = client.Next();
  const auto third = client.Next();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->id, "1");
  EXPECT_EQ(first->event, "order.placed");
  EXPECT_EQ(first->data, "{\"status\":\"placed\"}");
  EXPECT_EQ(second->id, "2");
  EXPECT_EQ(second->data, "line one\nline two\nline three");
  EXPECT_EQ(third->id, "3");
  EXPECT_EQ(third->event, "");
  EXPECT_EQ(third->data, "last");
  EXPECT_EQ(last_event_id_, "7");

  // Events sent later, from another thread, arrive too.
  ASSERT_TRUE(started_.WaitFor());
  EXPECT_TRUE(stream()->Send("4", "later", "x"));
  const auto fourth = client.Next();
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->id, "4");

  const auto observations = harness_->observations();
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(observations[0].route, "/v1/orders/{id}/events");
  EXPECT_EQ(observations[0].status, 200);
}

TEST_F(SseTest, OnCloseFiresOnceWhenTheClientDisconnects) {
  Start();
  SseClient client(harness_->port(), "/v1/orders/o1/events");
  ASSERT_TRUE(client.Next());
  ASSERT_TRUE(started_.WaitFor());
  client.Disconnect();
  ASSERT_TRUE(closed_.WaitFor());
  EXPECT_FALSE(stream()->IsOpen());
  EXPECT_FALSE(stream()->Send("9", "", "nobody listens"));
  Signal late;
  stream()->OnClose([&] { late.Notify(); });  // registered after the close: runs at once
  EXPECT_EQ(late.count(), 1);
  harness_->server().Stop();
  EXPECT_EQ(closed_.count(), 1);
}

TEST_F(SseTest, CloseFromTheServerEndsTheStream) {
  Start();
  SseClient client(harness_->port(), "/v1/orders/o1/events");
  ASSERT_TRUE(started_.WaitFor());
  stream()->Close();
  EXPECT_FALSE(stream()->IsOpen());
  // Everything queued before Close is still delivered, then the body ends.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.Next()) << i;
  EXPECT_TRUE(client.WaitForEnd());
  EXPECT_TRUE(closed_.WaitFor());
}

TEST_F(SseTest, ServerStopClosesOpenStreams) {
  Start();
  SseClient client(harness_->port(), "/v1/orders/o1/events");
  ASSERT_TRUE(started_.WaitFor());
  harness_->server().Stop();
  EXPECT_EQ(closed_.count(), 1);
  EXPECT_FALSE(stream()->Send("5", "", "after stop"));
  EXPECT_TRUE(client.WaitForEnd());
}

TEST_F(SseTest, AHandleKeptAfterTheServerIsDestroyedReportsClosed) {
  Start();
  SseClient client(harness_->port(), "/v1/orders/o1/events");
  ASSERT_TRUE(started_.WaitFor());
  const auto kept = stream();
  harness_.reset();
  EXPECT_EQ(closed_.count(), 1);
  EXPECT_FALSE(kept->IsOpen());
  EXPECT_FALSE(kept->Send("6", "", "nobody"));
  EXPECT_FALSE(kept->Comment("nobody"));
  kept->Close();
  Signal late;
  kept->OnClose([&] { late.Notify(); });
  EXPECT_EQ(late.count(), 1);
}

TEST_F(SseTest, SlowClientIsDroppedWhenItsQueueOverflows) {
  options_.max_stream_queue = 4;
  Start();
  SseClient client(harness_->port(), "/v1/orders/o1/events");
  ASSERT_TRUE(started_.WaitFor());
  // The client reads nothing: 1 MiB events fill the socket buffers, then the queue.
  const std::string big(1 << 20, 'z');
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) refused = !stream()->Send(std::to_string(i), "", big);
  EXPECT_TRUE(refused);
  EXPECT_TRUE(closed_.WaitFor());
  EXPECT_FALSE(stream()->IsOpen());
}

TEST_F(SseTest, NonOkStatusIsAnOrdinaryResponse) {
  Start();
  HttpClient client(harness_->port());
  const auto response = client.Send("GET", "/v1/denied/events");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.body, "{\"status\":403}");
  EXPECT_EQ(client.Send("GET", "/v1/denied/events").status, 403);  // the connection stays usable
}

}  // namespace
}  // namespace hotpath::net::testing
