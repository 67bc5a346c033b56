#include "net/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hotpath::net {
namespace {

Handler Named(std::string name) {
  return [name](Request& request) {
    std::string body = name;
    for (const auto& key : {"id", "item_id"}) {
      if (!request.Param(key).empty()) body += std::string(" ") + key + "=" + request.Param(key);
    }
    return Response::Text(200, body);
  };
}

Response Call(const Router& router, std::string method, std::string path, Request* out = nullptr) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  Response response = router.Dispatch(request);
  if (out != nullptr) *out = request;
  return response;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/v1/orders/{id}", Named("get-order"));
    router_.Add("POST", "/v1/orders/{id}/accept", Named("accept"));
    router_.Add("PATCH", "/v1/restaurants/{id}/items/{item_id}", Named("patch-item"));
    router_.Add("POST", "/v1/riders/{id}/online", Named("rider-online"));
    router_.Add("POST", "/v1/riders/me/online", Named("me-online"));
    router_.Add("GET", "/v1/riders/{id}/online", Named("get-rider-online"));
    router_.Add("GET", "/", Named("root"));
    router_.Add("POST", "/v1/orders", Named("place"));
    router_.Add("GET", "/v1/orders", Named("list"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesParamsAndFillsRoute) {
  Request request;
  const Response response = Call(router_, "PATCH", "/v1/restaurants/r1/items/i9", &request);
  EXPECT_EQ(response.body, "patch-item id=r1 item_id=i9");
  EXPECT_EQ(request.route, "/v1/restaurants/{id}/items/{item_id}");
  EXPECT_EQ(request.Param("item_id"), "i9");
}

TEST_F(RouterTest, LiteralSegmentsBeatParametersWhateverTheRegistrationOrder) {
  EXPECT_EQ(Call(router_, "POST", "/v1/riders/me/online").body, "me-online");
  EXPECT_EQ(Call(router_, "POST", "/v1/riders/r7/online").body, "rider-online id=r7");
  // No literal GET route: the parameter route with the right method answers, not a 405.
  EXPECT_EQ(Call(router_, "GET", "/v1/riders/me/online").body, "get-rider-online id=me");
}

TEST_F(RouterTest, UnknownPathIs404Problem) {
  Request request;
  const Response response = Call(router_, "GET", "/v1/nothing", &request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_NE(response.body.find("https://hotpath.dev/problems/not-found"), std::string::npos);
  EXPECT_EQ(request.route, "");
  // A parameter matches one non-empty segment only.
  EXPECT_EQ(Call(router_, "GET", "/v1/orders/a/b").status, 404);
  EXPECT_EQ(Call(router_, "POST", "/v1/orders//accept").status, 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Request request;
  const Response response = Call(router_, "DELETE", "/v1/orders", &request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.content_type, "application/problem+json");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "POST, GET");
  EXPECT_EQ(request.route, "");
  const Response rider = Call(router_, "DELETE", "/v1/riders/me/online");
  EXPECT_EQ(rider.status, 405);
  EXPECT_EQ(rider.headers.at(0).second, "POST, GET");
}

TEST_F(RouterTest, ToleratesOneTrailingSlash) {
  EXPECT_EQ(Call(router_, "GET", "/v1/orders/42/").body, "get-order id=42");
  EXPECT_EQ(Call(router_, "GET", "/v1/orders/").body, "list");
  EXPECT_EQ(Call(router_, "GET", "/").body, "root");
  EXPECT_EQ(Call(router_, "GET", "/v1/orders//").status, 404);
}

TEST_F(RouterTest, HandlerExceptionBecomes500ProblemWithTheTextForTheServerOnly) {
  router_.Add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("disk on fire"); });
  Request request;
  request.method = "GET";
  request.path = "/boom";
  request.request_id = "rid-9";
  std::string error;
  const Response response = router_.Dispatch(request, &error);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(error, "disk on fire");
  EXPECT_EQ(response.body.find("disk on fire"), std::string::npos);
  EXPECT_NE(response.body.find("rid-9"), std::string::npos);
  EXPECT_EQ(Call(router_, "GET", "/boom").status, 500);
}

TEST_F(RouterTest, DuplicatesAndMalformedTemplatesThrow) {
  EXPECT_THROW(router_.Add("GET", "/v1/orders/{id}", Named("x")), std::logic_error);
  EXPECT_THROW(router_.Add("GET", "/v1/orders/{order}", Named("x")), std::logic_error);  // same shape
  EXPECT_THROW(router_.Add("GET", "no-slash", Named("x")), std::logic_error);
  EXPECT_THROW(router_.Add("GET", "/a/{}/b", Named("x")), std::logic_error);
  EXPECT_NO_THROW(router_.Add("DELETE", "/v1/orders/{id}", Named("x")));
}

TEST_F(RouterTest, RoutesListsRegistrationOrderAndMatchNamesTheTemplate) {
  const auto routes = router_.Routes();
  ASSERT_EQ(routes.size(), 9u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].route, "/v1/orders/{id}");
  EXPECT_EQ(routes[4].route, "/v1/riders/me/online");
  EXPECT_EQ(routes[8].method, "GET");
  EXPECT_EQ(routes[8].route, "/v1/orders");
  EXPECT_EQ(router_.Match("POST", "/v1/riders/me/online"), "/v1/riders/me/online");
  EXPECT_EQ(router_.Match("POST", "/v1/orders/5/accept"), "/v1/orders/{id}/accept");
  EXPECT_EQ(router_.Match("PUT", "/v1/orders/5/accept"), "");
}

}  // namespace
}  // namespace hotpath::net

namespace hotpath::net {
namespace {
TEST(RouterNonBlocking, OnlyRoutesRegisteredSoRunInline) {
  Router router;
  router.AddNonBlocking("GET", "/v1/restaurants/{id}/menu",
                        [](Request&) { return Response::Json(200, "{}"); });
  router.Add("POST", "/v1/restaurants/{id}/items", [](Request&) { return Response::Json(201, "{}"); });
  EXPECT_TRUE(router.IsNonBlocking("GET", "/v1/restaurants/r1/menu"));
  EXPECT_FALSE(router.IsNonBlocking("POST", "/v1/restaurants/r1/items"));
  EXPECT_FALSE(router.IsNonBlocking("POST", "/v1/restaurants/r1/menu"));
  EXPECT_FALSE(router.IsNonBlocking("GET", "/nowhere"));
  Request req;
  req.method = "GET";
  req.path = "/v1/restaurants/r1/menu";
  EXPECT_EQ(router.Dispatch(req).status, 200);
}
}  // namespace
}  // namespace hotpath::net

namespace hotpath::net {
namespace {
TEST(RouterHead, HeadFallsBackToGetRoutes) {
  Router router;
  router.Add("GET", "/v1/things/{id}",
             [](Request& r) { return Response::Json(200, "{\"id\":\"" + r.Param("id") + "\"}"); });
  router.Add("POST", "/v1/things", [](Request&) { return Response::Json(201, "{}"); });
  Request head;
  head.method = "HEAD";
  head.path = "/v1/things/7";
  auto r = router.Dispatch(head);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(head.route, "/v1/things/{id}");
  Request head_post_only;
  head_post_only.method = "HEAD";
  head_post_only.path = "/v1/things";
  EXPECT_EQ(router.Dispatch(head_post_only).status, 405);
}
}  // namespace
}  // namespace hotpath::net

namespace hotpath::net {
namespace {

TEST(RouterAdmission, RunsBeforeMatchedHandlersOnlyAndCanRefuse) {
  Router r;
  int ran = 0;
  r.Add("GET", "/v1/things/{id}", [&](Request&) {
    ++ran;
    return Response::Json(200, "{}");
  });
  std::vector<std::string> seen;
  r.SetAdmission([&](const Request& req) -> std::optional<Response> {
    seen.push_back(req.route + " " + req.Param("id"));
    if (req.Param("id") == "busy") return Response::Problem(429, "{}");
    return std::nullopt;
  });
  Request ok;
  ok.method = "GET";
  ok.path = "/v1/things/a";
  EXPECT_EQ(r.Dispatch(ok).status, 200);
  Request busy;
  busy.method = "GET";
  busy.path = "/v1/things/busy";
  EXPECT_EQ(r.Dispatch(busy).status, 429);
  Request missing;
  missing.method = "GET";
  missing.path = "/nowhere";
  EXPECT_EQ(r.Dispatch(missing).status, 404);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(seen, (std::vector<std::string>{"/v1/things/{id} a", "/v1/things/{id} busy"}));
}

}  // namespace
}  // namespace hotpath::net
