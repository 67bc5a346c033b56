#include "objects/sigv4.h"

#include <fmt/format.h>
#include <sodium.h>

#include <ctime>
#include <map>

namespace hotpath::objects {

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string PresignGetUrl(const PresignRequest& r) {
  const std::string amz_date = AmzDate(r.now);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", date, r.region, r.service);
  std::map<std::string, std::string> query = {
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", r.credentials.access_key + "/" + scope},
      {"X-Amz-Date", amz_date},
      {"X-Amz-Expires", std::to_string(r.expires.count())},
      {"X-Amz-SignedHeaders", "host"},
  };
  if (!r.credentials.session_token.empty()) query["X-Amz-Security-Token"] = r.credentials.session_token;
  std::string canonical_query;
  for (const auto& [k, v] : query) {  // std::map: sorted by name, as SigV4 requires
    if (!canonical_query.empty()) canonical_query += '&';
    canonical_query += UriEncode(k, false) + "=" + UriEncode(v, false);
  }
  const std::string canonical_request =
      fmt::format("GET\n{}\n{}\nhost:{}\n\nhost\nUNSIGNED-PAYLOAD", r.path, canonical_query, r.host);
  const std::string string_to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256Hex(canonical_request));
  std::string key = HmacSha256("AWS4" + r.credentials.secret_key, date);
  key = HmacSha256(key, r.region);
  key = HmacSha256(key, r.service);
  key = HmacSha256(key, "aws4_request");
  const std::string mac = HmacSha256(key, string_to_sign);
  char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  return fmt::format("{}://{}{}?{}&X-Amz-Signature={}", r.scheme, r.host, r.path, canonical_query, hex);
}

}  // namespace hotpath::objects
