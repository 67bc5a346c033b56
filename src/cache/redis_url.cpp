#include "cache/redis_url.h"

#include <fmt/format.h>

#include <charconv>

namespace hotpath::cache {
namespace {
bool ParseInt(std::string_view s, int lo, int hi, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}
}  // namespace

std::string RedisEndpoint::Describe() const {
  std::string auth;
  if (!user.empty() || !password.empty()) auth = fmt::format("{}:****@", user);
  return fmt::format("{}://{}{}:{}/{}", tls ? "rediss" : "redis", auth, host, port, db);
}

Result<RedisEndpoint> ParseRedisUrl(const std::string& url) {
  auto bad = [&](std::string_view why) { return Error::Invalid(fmt::format("redis URL '{}': {}", url, why)); };
  RedisEndpoint ep;
  std::string_view rest = url;
  if (url.rfind("redis://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (url.rfind("rediss://", 0) == 0) {
    rest.remove_prefix(9);
    ep.tls = true;
  } else {
    return bad("must start with redis:// or rediss://");
  }
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view param = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (param.rfind("ca_file=", 0) == 0 && ep.tls && param.size() > 8) {
        ep.ca_file = std::string(param.substr(8));
      } else {
        return bad(fmt::format("unknown parameter '{}' (rediss:// takes ca_file=PATH)", param));
      }
    }
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = cred.find(':');
    if (colon == std::string_view::npos) return bad("credentials must be USER:PASSWORD or :PASSWORD");
    ep.user = std::string(cred.substr(0, colon));
    ep.password = std::string(cred.substr(colon + 1));
  }
  std::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !ParseInt(db, 0, 1000, ep.db)) return bad("the database must be a number 0-1000");
  }
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos && hostport.front() != '[') {
    if (!ParseInt(hostport.substr(colon + 1), 1, 65535, ep.port)) return bad("port must be 1-65535");
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return bad("has no host");
  ep.host = std::string(hostport);
  return ep;
}

}  // namespace hotpath::cache
