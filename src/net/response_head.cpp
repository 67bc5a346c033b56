#include "net/response_head.h"

#include <strings.h>

#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>

namespace hotpath::net::detail {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Beast drops surrounding spaces and tabs of a value (and a name keeps them).
std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool HasUnsafe(std::string_view text) {
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

void AppendSafe(std::string& out, std::string_view text) {
  if (!HasUnsafe(text)) {
    out.append(text);
    return;
  }
  for (const char c : text) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
}

// The value as http_session's HeaderSafe + Beast's trim leave it.
void AppendValue(std::string& out, std::string_view value) {
  if (!HasUnsafe(value)) {
    out.append(Trim(value));
    return;
  }
  std::string safe;
  AppendSafe(safe, value);
  out.append(Trim(safe));
}

std::string_view NameAsWritten(std::string_view name, std::string& scratch) {
  if (!HasUnsafe(name)) return name;
  scratch.clear();
  AppendSafe(scratch, name);
  return scratch;
}

}  // namespace

bool AppendResponseHead(std::string& out, const ResponseHead& head) {
  if (head.version != 10 && head.version != 11) return false;
  std::string scratch;
  if (head.headers != nullptr) {
    for (const auto& [name, value] : *head.headers) {
      const std::string_view n = NameAsWritten(name, scratch);
      if (n.empty() || IEquals(n, "Connection") || IEquals(n, "Content-Length") ||
          IEquals(n, "Transfer-Encoding") || IEquals(n, "X-Request-Id")) {
        return false;
      }
    }
  }
  namespace http = boost::beast::http;
  const unsigned code = head.status < 0 ? 0U : static_cast<unsigned>(head.status);
  out += head.version == 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  std::array<char, 24> digits{};
  out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), code).ptr);
  out.push_back(' ');
  const auto reason = http::obsolete_reason(http::int_to_status(code));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!head.content_type.empty()) {
    out += "Content-Type: ";
    AppendValue(out, head.content_type);
    out += "\r\n";
  }
  if (head.headers != nullptr) {
    for (const auto& [name, value] : *head.headers) {
      out.append(NameAsWritten(name, scratch));
      out += ": ";
      AppendValue(out, value);
      out += "\r\n";
    }
  }
  out += "X-Request-Id: ";
  AppendValue(out, head.request_id);
  out += "\r\n";
  if (head.version == 11 && !head.keep_alive) out += "Connection: close\r\n";
  if (head.version == 10 && head.keep_alive) out += "Connection: keep-alive\r\n";
  out += "Content-Length: ";
  out.append(digits.data(),
             std::to_chars(digits.data(), digits.data() + digits.size(), head.content_length).ptr);
  out += "\r\n\r\n";
  return true;
}

}  // namespace hotpath::net::detail
