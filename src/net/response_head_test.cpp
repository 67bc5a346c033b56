// AppendResponseHead must write exactly what Beast's serializer wrote for the same response (the
// server's previous path, still its fallback): compared here over versions, keep-alive, HEAD,
// bodyless statuses, unknown status codes and awkward handler headers.

#include "net/response_head.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <sstream>

namespace hotpath::net::detail {
namespace {

namespace http = boost::beast::http;

std::string HeaderSafe(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
  return out;
}

// The response as http_session.cpp builds it with Beast (Write's fallback), serialized.
std::string WithBeast(unsigned version, int status, const std::string& content_type, const HeaderList& headers,
                      const std::string& request_id, bool keep_alive, bool head_request, const std::string& body) {
  http::response<http::string_body> response;
  response.version(version);
  response.result(static_cast<unsigned>(status));
  if (!content_type.empty()) response.set(http::field::content_type, HeaderSafe(content_type));
  for (const auto& [name, value] : headers) response.insert(HeaderSafe(name), HeaderSafe(value));
  response.set("X-Request-Id", request_id);
  const bool bodyless = status < 200 || status == 204 || status == 304;
  if (!bodyless && !head_request) response.body() = body;
  response.keep_alive(keep_alive);
  response.prepare_payload();
  if (head_request && !bodyless) response.content_length(body.size());
  std::ostringstream out;
  out << response;
  return out.str();
}

std::string Ours(unsigned version, int status, const std::string& content_type, const HeaderList& headers,
                 const std::string& request_id, bool keep_alive, bool head_request, const std::string& body,
                 bool* used = nullptr) {
  const bool bodyless = status < 200 || status == 204 || status == 304;
  ResponseHead head;
  head.version = version;
  head.status = status;
  head.content_type = content_type;
  head.headers = &headers;
  head.request_id = request_id;
  head.keep_alive = keep_alive;
  head.content_length = bodyless ? 0 : body.size();
  std::string out;
  const bool ok = AppendResponseHead(out, head);
  if (used != nullptr) *used = ok;
  if (!ok) return out;
  if (!bodyless && !head_request) out += body;
  return out;
}

TEST(ResponseHead, WritesWhatBeastWritesForEveryShapeOfResponse) {
  const std::vector<HeaderList> header_sets = {
      {},
      {{"Cache-Control", "no-cache"}},
      {{"ETag", "\"abc\""}, {"Cache-Control", "public, max-age=60"}, {"Accept-Ranges", "bytes"}},
      {{"Allow", "GET, POST"}},
      {{"Retry-After", "  3\t"}, {"x-custom", ""}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}},
      {{"Evil\r\nHeader", "v\r\nInjected: yes"}, {"Location", "/v1/x\n"}},
      {{"Content-Type", "text/plain"}},  // a second Content-Type: inserted as is by both
  };
  int compared = 0;
  for (const unsigned version : {10U, 11U}) {
    for (const int status : {200, 201, 101, 204, 206, 304, 400, 404, 405, 413, 426, 429, 500, 503, 299, 799}) {
      for (const auto& headers : header_sets) {
        for (const bool keep_alive : {true, false}) {
          for (const bool head_request : {false, true}) {
            for (const std::string content_type : {"application/json", "", " text/html; charset=utf-8 "}) {
              const std::string body =
                  status == 204 || status == 304 || status < 200 ? "" : R"({"items":[{"id":"itm_1"}]})";
              bool used = false;
              const std::string ours = Ours(version, status, content_type, headers, "rid-42", keep_alive,
                                            head_request, body, &used);
              ASSERT_TRUE(used);
              ASSERT_EQ(ours, WithBeast(version, status, content_type, headers, "rid-42", keep_alive, head_request,
                                        body))
                  << "version " << version << " status " << status << " keep_alive " << keep_alive << " head "
                  << head_request << " content type '" << content_type << "'";
              ++compared;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 2000);
}

TEST(ResponseHead, TheMenuAnswerByteForByte) {
  const HeaderList headers = {{"Cache-Control", "no-cache"}};
  EXPECT_EQ(Ours(11, 200, "application/json", headers, "0123abcd", true, false, "{}"),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache\r\n"
            "X-Request-Id: 0123abcd\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Ours(10, 200, "application/json", headers, "r", true, false, "{}"),
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache\r\n"
            "X-Request-Id: r\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Ours(11, 304, "application/json", headers, "r", false, false, ""),
            "HTTP/1.1 304 Not Modified\r\nContent-Type: application/json\r\nCache-Control: no-cache\r\n"
            "X-Request-Id: r\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, LeavesToBeastTheHeadersItWouldRewrite) {
  for (const char* name : {"Connection", "content-length", "Transfer-Encoding", "X-REQUEST-ID", "", "\r\n"}) {
    const HeaderList headers = {{"Cache-Control", "no-cache"}, {name, "x"}};
    bool used = true;
    EXPECT_EQ(Ours(11, 200, "application/json", headers, "r", true, false, "{}", &used), "") << name;
    EXPECT_FALSE(used) << name;
  }
  bool used = true;
  EXPECT_EQ(Ours(9, 200, "application/json", {}, "r", true, false, "{}", &used), "");
  EXPECT_FALSE(used);
}

}  // namespace
}  // namespace hotpath::net::detail
