#include "events/cloud_event.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <ctime>

#include "core/json.h"
#include "core/trace.h"

namespace hotpath::events {
namespace bj = boost::json;

namespace {
Result<std::string> RequiredString(const bj::object& o, std::string_view key, bool allow_empty = false) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string())
    return Error::Invalid(fmt::format("CloudEvent attribute '{}' must be a string", key));
  std::string v(it->value().as_string());
  if (v.empty() && !allow_empty) return Error::Invalid(fmt::format("CloudEvent attribute '{}' is empty", key));
  return v;
}
}  // namespace

Result<CloudEvent> ParseCloudEvent(std::string_view json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(json, ec);
  if (ec) return Error::Invalid(fmt::format("not JSON: {}", ec.message()));
  if (!v.is_object()) return Error::Invalid("a CloudEvent must be a JSON object");
  const auto& o = v.as_object();
  HP_ASSIGN(auto spec, RequiredString(o, "specversion"));
  if (spec != "1.0") return Error::Invalid(fmt::format("unsupported CloudEvents specversion '{}'", spec));
  CloudEvent e;
  HP_ASSIGN(e.id, RequiredString(o, "id"));
  HP_ASSIGN(e.source, RequiredString(o, "source"));
  HP_ASSIGN(e.type, RequiredString(o, "type"));
  HP_ASSIGN(e.time, RequiredString(o, "time"));
  HP_TRY(ParseRfc3339(e.time));
  if (auto it = o.find("subject"); it != o.end()) {
    if (!it->value().is_string()) return Error::Invalid("CloudEvent attribute 'subject' must be a string");
    e.subject = std::string(it->value().as_string());
  }
  HP_ASSIGN(e.dataschema, RequiredString(o, "dataschema"));
  auto slash = e.dataschema.rfind("/v");
  int version = 0;
  if (slash == std::string::npos) return Error::Invalid("dataschema has no version (/v<N>)");
  const char* b = e.dataschema.data() + slash + 2;
  const char* end = e.dataschema.data() + e.dataschema.size();
  auto [p, err] = std::from_chars(b, end, version);
  if (err != std::errc() || p != end || version < 1) return Error::Invalid("dataschema has no version (/v<N>)");
  e.schema_version = version;
  auto data = o.find("data");
  if (data == o.end() || !data->value().is_object()) return Error::Invalid("CloudEvent 'data' must be an object");
  e.data = data->value().as_object();
  if (auto it = o.find("traceparent"); it != o.end()) {
    // An unusable trace context is dropped, not fatal: the event itself is fine.
    if (it->value().is_string() && ParseTraceParent(it->value().as_string())) {
      e.traceparent = std::string(it->value().as_string());
    }
  }
  return e;
}

std::string SerializeCloudEvent(const CloudEvent& e) {
  bj::object ce{{"specversion", "1.0"},
                {"id", e.id},
                {"source", e.source},
                {"type", e.type},
                {"subject", e.subject},
                {"time", e.time},
                {"datacontenttype", "application/json"},
                {"dataschema", e.dataschema},
                {"data", e.data}};
  if (!e.traceparent.empty()) ce["traceparent"] = e.traceparent;
  return bj::serialize(ce);
}

CloudEvent MakeCloudEvent(std::string source, std::string type, std::string subject, std::string schema_name,
                          int schema_version, bj::object data, Millis now) {
  CloudEvent e;
  e.id = NewId("evt");
  e.source = std::move(source);
  e.type = std::move(type);
  e.subject = std::move(subject);
  e.time = json::FormatTime(now);
  e.schema_version = schema_version;
  e.dataschema = fmt::format("https://hotpath.dev/schemas/{}/v{}", schema_name, schema_version);
  e.data = std::move(data);
  return e;
}

Result<Millis> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  auto bad = [&] { return Error::Invalid(fmt::format("'{}' is not an RFC 3339 time", s)); };
  if (s.size() < 20) return bad();
  auto num = [&](std::size_t at, std::size_t len, int& out) {
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, out);
    return ec == std::errc() && p == s.data() + at + len;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' || !num(14, 2, mi) ||
      s[16] != ':' || !num(17, 2, se))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60) return bad();
  {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return bad();  // no Feb 30 rolling into March
  }
  std::size_t pos = 19;
  Millis frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 3; ++i) frac *= 10;
  }
  if (pos >= s.size()) return bad();
  Millis offset_ms = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (pos + 6 != s.size() || !num(pos + 1, 2, oh) || s[pos + 3] != ':' || !num(pos + 4, 2, om) || oh > 23 ||
        om > 59)
      return bad();
    offset_ms = (oh * 60 + om) * 60000LL * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  // Like timegm's normalisation, then refused if it moved to another day (31 February, 23:59:60).
  static constexpr int kDaysIn[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDaysIn[mo - 1] + (mo == 2 && leap ? 1 : 0)) return bad();
  if (h == 23 && mi == 59 && se == 60) return bad();
  const std::int64_t days = json::DaysFromCivil(y, mo, d);
  const std::int64_t secs = ((days * 24 + h) * 60 + mi) * 60 + se;
  return static_cast<Millis>(secs) * 1000 + frac - offset_ms;
}

}  // namespace hotpath::events
