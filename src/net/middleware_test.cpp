#include "net/middleware.h"

#include <gtest/gtest.h>

#include <set>

#include "net/json_text.h"

namespace hotpath::net {
namespace {

TEST(PercentDecode, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%C3%A9", false), "\xC3\xA9");
}

TEST(ParseTarget, SplitsPathAndDecodedQueryInOrder) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ParseTarget("/v1/restaurants/caf%C3%A9?lat=1.5&name=a+b%26c&flag&&lat=2", path, query);
  EXPECT_EQ(path, "/v1/restaurants/caf\xC3\xA9");
  const std::vector<std::pair<std::string, std::string>> expected{
      {"lat", "1.5"}, {"name", "a b&c"}, {"flag", ""}, {"lat", "2"}};
  EXPECT_EQ(query, expected);

  ParseTarget("http://example.com/x?y=1", path, query);
  EXPECT_EQ(path, "/x");
  ASSERT_EQ(query.size(), 1u);
  ParseTarget("/plain", path, query);
  EXPECT_EQ(path, "/plain");
  EXPECT_TRUE(query.empty());
}

TEST(RequestId, AcceptsOnlyShortSafeIds) {
  EXPECT_TRUE(IsValidRequestId("abc-123_X.y"));
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'a')));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("inject\"quote"));
}

TEST(RequestId, GeneratesDistinctValidIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_TRUE(IsValidRequestId(id));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(JsonText, EscapesControlQuotesAndInvalidUtf8) {
  EXPECT_EQ(JsonString("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
  EXPECT_EQ(JsonString("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(JsonString("bad\xC3"), "\"bad\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonString("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a lone surrogate
}

TEST(ProblemBody, IsRfc9457Json) {
  EXPECT_EQ(ProblemBody(404, "https://hotpath.dev/problems/not-found", "Not Found", "No \"x\"."),
            R"({"type":"https://hotpath.dev/problems/not-found","title":"Not Found","status":404,)"
            R"("detail":"No \"x\"."})");
  const Response response = StockProblem(413, "payload-too-large", "Payload Too Large", "big");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_NE(response.body.find("\"type\":\"https://hotpath.dev/problems/payload-too-large\""), std::string::npos);
}

TEST(AccessLog, HasTheAgreedFieldsAndNoBodyOrAuthorization) {
  Request request;
  request.method = "POST";
  request.path = "/v1/orders/\"7\"";
  request.route = "/v1/orders/{id}";
  request.request_id = "rid-1";
  request.remote_addr = "127.0.0.1";
  request.body = "secret-body";
  request.headers = {{"Authorization", "Bearer secret-token"}};
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764054000123));
  const std::string line = AccessLogLine(request, 201, 0.0125, now);
  EXPECT_EQ(line,
            R"({"time":"2025-11-25T07:00:00.123Z","level":"info","msg":"request","request_id":"rid-1",)"
            R"("method":"POST","route":"/v1/orders/{id}","path":"/v1/orders/\"7\"","status":201,)"
            R"("duration_ms":12.500,"remote":"127.0.0.1"})");
  EXPECT_EQ(line.find("secret"), std::string::npos);
  EXPECT_NE(AccessLogLine(request, 503, 0, now).find("\"level\":\"error\""), std::string::npos);
}

TEST(Sse, FormatsEventsWithMultiLineData) {
  EXPECT_EQ(FormatSseEvent("7", "order", "line1\nline2\r\nline3"),
            "id: 7\nevent: order\ndata: line1\ndata: line2\ndata: line3\n\n");
  EXPECT_EQ(FormatSseEvent("", "", "x"), "data: x\n\n");
  EXPECT_EQ(FormatSseEvent("a\nb", "", ""), "id: ab\ndata: \n\n");
  EXPECT_EQ(FormatSseComment("keep-alive"), ": keep-alive\n\n");
}

TEST(Request, LooksUpHeadersCaseInsensitivelyAndQueryAndParams) {
  Request request;
  request.headers = {{"Content-Type", "a"}, {"content-type", "b"}};
  request.query = {{"x", "1"}, {"x", "2"}};
  request.params = {{"id", "42"}};
  EXPECT_EQ(request.Header("CONTENT-TYPE"), "a");
  EXPECT_FALSE(request.Header("Content").has_value());
  EXPECT_EQ(request.Query("x"), "1");
  EXPECT_FALSE(request.Query("y").has_value());
  EXPECT_EQ(request.Param("id"), "42");
  EXPECT_EQ(request.Param("nope"), "");
}

}  // namespace
}  // namespace hotpath::net
