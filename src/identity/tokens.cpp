#include "identity/tokens.h"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <stdexcept>

namespace hotpath::identity {
namespace bj = boost::json;
namespace {

std::string B64(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> UnB64(std::string_view in) {
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kCustomer:
      return "customer";
    case Role::kRestaurant:
      return "restaurant";
    case Role::kRider:
      return "rider";
    case Role::kAdmin:
      return "admin";
  }
  return "customer";
}

std::optional<Role> ParseRole(std::string_view s) {
  if (s == "customer") return Role::kCustomer;
  if (s == "restaurant") return Role::kRestaurant;
  if (s == "rider") return Role::kRider;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

TokenSigner::TokenSigner(std::string secret, std::int64_t ttl_seconds) : ttl_seconds_(ttl_seconds) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (secret.size() < 32) throw std::invalid_argument("token secret must be at least 32 bytes");
  key_.resize(crypto_auth_hmacsha256_KEYBYTES);
  crypto_generichash(reinterpret_cast<unsigned char*>(key_.data()), key_.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr, 0);
}

std::string TokenSigner::Mac(std::string_view data) const {
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256(reinterpret_cast<unsigned char*>(mac.data()),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                         reinterpret_cast<const unsigned char*>(key_.data()));
  return mac;
}

std::string TokenSigner::Issue(const Principal& p, Millis now) const {
  unsigned char jti[16];
  RandomBytes(jti, sizeof jti);
  bj::object claims{{"sub", p.user_id},
                    {"role", RoleName(p.role)},
                    {"exp", now / 1000 + ttl_seconds_},
                    {"jti", B64(std::string_view(reinterpret_cast<const char*>(jti), sizeof jti))}};
  if (!p.restaurant_id.empty()) claims["rid"] = p.restaurant_id;
  std::string body = "v1." + B64(bj::serialize(claims));
  return body + "." + B64(Mac(body));
}

Result<Principal> TokenSigner::Verify(std::string_view token, Millis now) const {
  auto bad = [] { return Error::Unauthenticated("invalid bearer token"); };
  if (token.size() > 4096 || token.rfind("v1.", 0) != 0) return bad();
  auto dot = token.rfind('.');
  if (dot <= 3) return bad();
  std::string_view body = token.substr(0, dot);
  auto mac = UnB64(token.substr(dot + 1));
  if (!mac || mac->size() != crypto_auth_hmacsha256_BYTES) return bad();
  std::string expected = Mac(body);
  if (sodium_memcmp(mac->data(), expected.data(), expected.size()) != 0) return bad();
  auto json = UnB64(body.substr(3));
  if (!json) return bad();
  boost::system::error_code ec;
  bj::value v = bj::parse(*json, ec);
  if (ec || !v.is_object()) return bad();
  const auto& o = v.as_object();
  const auto* sub = o.if_contains("sub");
  const auto* role = o.if_contains("role");
  const auto* exp = o.if_contains("exp");
  if (!sub || !sub->is_string() || !role || !role->is_string() || !exp || !exp->is_int64()) return bad();
  if (exp->as_int64() * 1000 <= now) return Error::Unauthenticated("bearer token has expired; log in again");
  auto r = ParseRole(std::string_view(role->as_string()));
  if (!r) return bad();
  Principal p{std::string(sub->as_string()), *r, {}};
  if (const auto* rid = o.if_contains("rid"); rid && rid->is_string())
    p.restaurant_id = std::string(rid->as_string());
  // Tokens issued before ids existed are named by their MAC (unique to their claims).
  const auto* jti = o.if_contains("jti");
  p.token_id = jti && jti->is_string() ? std::string(jti->as_string()) : "mac." + std::string(token.substr(dot + 1));
  p.expires_at = exp->as_int64() * 1000;
  return p;
}

std::string HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory hashing a password");
  }
  return out;
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace hotpath::identity
