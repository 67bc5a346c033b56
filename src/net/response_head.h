#pragma once
// The status line and header block of an ordinary HTTP/1.x response, written straight into a
// string: the bytes Beast's serializer writes for the same response (http_session.cpp's fallback;
// response_head_test.cpp compares the two), without building a header container per response.

#include <cstddef>
#include <string>
#include <string_view>

#include "net/http.h"

namespace hotpath::net::detail {

struct ResponseHead {
  unsigned version = 11;  // of the request: 10 or 11
  int status = 200;
  std::string_view content_type;  // omitted when empty
  const HeaderList* headers = nullptr;  // the handler's, in order
  std::string_view request_id;
  bool keep_alive = true;
  std::size_t content_length = 0;
};

// Appends "HTTP/1.1 200 OK\r\n", Content-Type, the handler's headers (CR, LF and NUL removed,
// values trimmed of spaces and tabs), X-Request-Id, Connection when needed (HTTP/1.1 close,
// HTTP/1.0 keep-alive), Content-Length, and the blank line. Returns false, appending nothing,
// when a handler header would change what Beast writes around it (Connection, Content-Length,
// Transfer-Encoding, X-Request-Id, an empty name) or the version is neither 1.0 nor 1.1: the
// caller then serializes with Beast.
[[nodiscard]] bool AppendResponseHead(std::string& out, const ResponseHead& head);

}  // namespace hotpath::net::detail
