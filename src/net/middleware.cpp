#include "net/middleware.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>

#include "net/json_text.h"

namespace hotpath::net {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view StripAbsoluteForm(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const auto slash = target.find_first_of("/?", scheme.size());
      if (slash == std::string_view::npos) return "/";
      return target.substr(slash);  // "http://h?x" yields "?x": an empty path, defaulted to "/"

    }
  }
  return target;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void ParseTarget(std::string_view target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query) {
  target = StripAbsoluteForm(target);
  const auto question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (const auto hash = raw_path.find('#'); hash != std::string_view::npos) raw_path = raw_path.substr(0, hash);
  path = PercentDecode(raw_path, false);
  if (path.empty()) path = "/";
  query.clear();
  if (question == std::string_view::npos) return;
  std::string_view rest = target.substr(question + 1);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      query.emplace_back(PercentDecode(pair, true), std::string());
    } else {
      query.emplace_back(PercentDecode(pair.substr(0, eq), true), PercentDecode(pair.substr(eq + 1), true));
    }
  }
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (int word = 0; word < 2; ++word) {
    uint64_t bits = engine();
    for (int i = 0; i < 16; ++i, bits >>= 4) id.push_back(kHex[bits & 0xF]);
  }
  return id;
}

Response StockProblem(int status, std::string_view slug, std::string_view title, std::string_view detail) {
  std::string type = "https://hotpath.dev/problems/";
  type.append(slug);
  return Response::Problem(status, ProblemBody(status, type, title, detail));
}

std::string FormatUtc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto millis = duration_cast<milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000 - (millis % 1000 < 0 ? 1 : 0));
  const int ms = static_cast<int>(((millis % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::array<char, 96> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buffer.data();
}

namespace {

// "YYYY-MM-DDTHH:MM:SS" of a whole second, formatted once per second per thread (the access log
// asks for it on every request).
std::string_view UtcSecond(std::int64_t seconds) {
  struct Cache {
    std::int64_t seconds = INT64_MIN;
    std::array<char, 32> text{};
    std::size_t size = 0;
  };
  thread_local Cache cache;
  if (cache.seconds != seconds) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    const int n = std::snprintf(cache.text.data(), cache.text.size(), "%04d-%02d-%02dT%02d:%02d:%02d",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cache.size = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), cache.text.size() - 1) : 0;
    cache.seconds = seconds;
  }
  return {cache.text.data(), cache.size};
}

void AppendInt(std::string& out, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

}  // namespace

std::string AccessLogLine(const Request& request, int status, double seconds,
                          std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  std::string line;
  line.reserve(256 + request.path.size() + request.route.size());
  // Time as FormatUtc writes it ("2026-11-25T07:00:00.123Z"), with the second's text cached.
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::int64_t whole = millis / 1000 - (millis % 1000 < 0 ? 1 : 0);
  const int ms = static_cast<int>(millis - whole * 1000);
  line += "{\"time\":\"";
  line += UtcSecond(whole);
  line.push_back('.');
  line.push_back(static_cast<char>('0' + ms / 100));
  line.push_back(static_cast<char>('0' + ms / 10 % 10));
  line.push_back(static_cast<char>('0' + ms % 10));
  line += "Z\"";
  line += status >= 500 ? ",\"level\":\"error\"" : ",\"level\":\"info\"";
  line += ",\"msg\":\"request\",\"request_id\":";
  AppendJsonString(line, request.request_id);
  if (!request.trace_id.empty()) {
    line += ",\"trace_id\":";
    AppendJsonString(line, request.trace_id);
    line += ",\"span_id\":";
    AppendJsonString(line, request.span_id);
  }
  line += ",\"method\":";
  AppendJsonString(line, request.method);
  line += ",\"route\":";
  AppendJsonString(line, request.route);
  line += ",\"path\":";
  AppendJsonString(line, request.path);
  line += ",\"status\":";
  AppendInt(line, status);
  // "%.3f" of the milliseconds (what printf wrote before; to_chars with a precision rounds the same).
  std::array<char, 64> duration{};
  const auto formatted = std::to_chars(duration.data(), duration.data() + duration.size(), seconds * 1000.0,
                                       std::chars_format::fixed, 3);
  line += ",\"duration_ms\":";
  if (formatted.ec == std::errc()) {
    line.append(duration.data(), formatted.ptr);
  } else {
    line += '0';  // beyond 10^60 ms: not a duration a request can take
  }
  line += ",\"remote\":";
  AppendJsonString(line, request.remote_addr);
  line += '}';
  return line;
}

std::string IncidentLogLine(std::string_view level, std::string_view msg, std::string_view request_id,
                            std::string_view error, std::chrono::system_clock::time_point now,
                            std::string_view trace_id) {
  std::string line = "{\"time\":";
  AppendJsonString(line, FormatUtc(now));
  line += ",\"level\":";
  AppendJsonString(line, level);
  line += ",\"msg\":";
  AppendJsonString(line, msg);
  if (!request_id.empty()) {
    line += ",\"request_id\":";
    AppendJsonString(line, request_id);
  }
  if (!trace_id.empty()) {
    line += ",\"trace_id\":";
    AppendJsonString(line, trace_id);
  }
  line += ",\"error\":";
  AppendJsonString(line, error);
  line += '}';
  return line;
}

}  // namespace hotpath::net

namespace hotpath::net {
namespace {

void AppendSingleLine(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

// Appends `prefix + line + "\n"` for each line of `text`.
void AppendLines(std::string& out, std::string_view prefix, std::string_view text) {
  while (true) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append(prefix);
    out.append(line);
    out.push_back('\n');
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

}  // namespace

std::string FormatSseEvent(std::string_view id, std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(data.size() + id.size() + event.size() + 24);
  if (!id.empty()) {
    out.append("id: ");
    AppendSingleLine(out, id);
    out.push_back('\n');
  }
  if (!event.empty()) {
    out.append("event: ");
    AppendSingleLine(out, event);
    out.push_back('\n');
  }
  AppendLines(out, "data: ", data);
  out.push_back('\n');
  return out;
}

std::string FormatSseComment(std::string_view text) {
  std::string out;
  AppendLines(out, ": ", text);
  out.push_back('\n');
  return out;
}

}  // namespace hotpath::net
