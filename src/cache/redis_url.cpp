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
  return fmt::format("redis://{}{}:{}/{}", auth, host, port, db);
}

Result<RedisEndpoint> ParseRedisUrl(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  auto bad = [&](std::string_view why) { return Error::Invalid(fmt::format("redis URL '{}': {}", url, why)); };
  if (url.rfind(kScheme, 0) != 0) return bad("must start with redis://");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  RedisEndpoint ep;
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
  if (hostport.find('?') != std::string_view::npos) return bad("takes no query parameters");
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos && hostport.front() != '[') {
    if (!ParseInt(hostport.substr(colon + 1), 1, 65535, ep.port)) return bad("port must be 1-65535");
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return bad("has no host");
  ep.host = std::string(hostport);
  return ep;
}

}  // namespace hotpath::cache
