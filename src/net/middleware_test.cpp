#include "net/middleware.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
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

TEST(AccessLog, TimeIsFormatUtcAcrossSecondsAndBeforeTheEpoch) {
  // The line keeps the text of the current second between calls: every call must still show its own time.
  // The latest millisecond system_clock (nanoseconds in int64) holds: 2262-04-11T23:47:16.854Z.
  // (It was 9999-12-31T23:59:59.999Z, which overflows the conversion: UBSan, signed overflow.)
  constexpr long long kLastNanosecondMillis = 9223372036854LL;
  Request request;
  request.request_id = "r";
  for (const std::int64_t ms : {1764054000123LL, 1764054000999LL, 1764054001000LL, 1764054001000LL,
                                1764054000123LL, 0LL, -1LL, -1000LL, -1001LL, kLastNanosecondMillis}) {
    const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
    const auto parsed = boost::json::parse(AccessLogLine(request, 200, 0, now)).as_object();
    EXPECT_EQ(parsed.at("time").as_string(), FormatUtc(now)) << ms;
  }
}

TEST(AccessLog, EscapesEveryFieldIntoValidJson) {
  Request request;
  request.method = "GET";
  request.path = std::string("/a\"b\\c\n\r\t\x01\x7f/\xC3\xA9/\xFF/") + std::string(1, '\0') + "end";
  request.route = "/v1/{id}";
  request.request_id = "id-\"quoted\"";
  request.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  request.span_id = "00f067aa0ba902b7";
  request.remote_addr = "::1";
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764054000123));
  const std::string line = AccessLogLine(request, 404, 0.0000004, now);
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one line, whatever the path holds
  const auto parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("path").as_string(),
            std::string("/a\"b\\c\n\r\t\x01\x7f/\xC3\xA9/\xEF\xBF\xBD/") + std::string(1, '\0') + "end");
  EXPECT_EQ(parsed.at("request_id").as_string(), "id-\"quoted\"");
  EXPECT_EQ(parsed.at("trace_id").as_string(), request.trace_id);
  EXPECT_EQ(parsed.at("span_id").as_string(), request.span_id);
  EXPECT_EQ(parsed.at("status").as_int64(), 404);
  EXPECT_EQ(parsed.at("remote").as_string(), "::1");
  EXPECT_NE(line.find("\"duration_ms\":0.000,"), std::string::npos) << line;
  EXPECT_NE(AccessLogLine(request, 200, 1.23456789, now).find("\"duration_ms\":1234.568,"), std::string::npos);
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
