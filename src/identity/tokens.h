#pragma once
// Bearer tokens: "v1.<base64url(claims JSON)>.<base64url(HMAC-SHA256)>", signed with a server
// secret (libsodium). Claims: sub, role, exp, jti (128 random bits: the id logout revokes), rid. Verification checks the MAC in constant time, then expiry. Stateless, so
// every api process with the same secret accepts the same tokens.

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "identity/principal.h"

namespace hotpath::identity {

class TokenSigner {
 public:
  // `secret` must be at least 32 bytes.
  TokenSigner(std::string secret, std::int64_t ttl_seconds);
  [[nodiscard]] std::string Issue(const Principal& p, Millis now) const;
  // kUnauthenticated for malformed, forged or expired tokens.
  [[nodiscard]] Result<Principal> Verify(std::string_view token, Millis now) const;

 private:
  [[nodiscard]] std::string Mac(std::string_view data) const;
  std::string key_;  // 32-byte HMAC key derived from the secret
  std::int64_t ttl_seconds_;
};

// Password hashing with Argon2id (libsodium crypto_pwhash_str, interactive limits).
std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace hotpath::identity
