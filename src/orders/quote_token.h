#pragma once
// Signed quote tokens (`quote_id`): a quote's delivery fee holds for a few minutes. The token
// carries who it was quoted for (customer, restaurant, drop-off), the zone, the fee and its expiry,
// authenticated with libsodium's crypto_auth (HMAC-SHA-512-256) under a key derived from the
// server's token secret, so every process of a cluster verifies the others' quotes. Nothing is
// stored: a token is valid because its MAC is, until `expires_at`.

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/geo.h"
#include "core/result.h"

namespace hotpath::orders {

struct QuoteClaims {
  std::string customer_id;
  std::string restaurant_id;
  geo::Point delivery;  // compared at 1e-6 degrees (about 0.1 m)
  std::string zone_id;
  std::int64_t delivery_fee = 0;  // minor units of `currency`
  std::string currency;
  Millis expires_at = 0;
};

class QuoteSigner {
 public:
  // `secret`: any length >= 1 (the server's token secret); a dedicated key is derived from it.
  explicit QuoteSigner(std::string_view secret);
  [[nodiscard]] std::string Sign(const QuoteClaims& claims) const;
  // kInvalidArgument (field quote_id) when the token is malformed or its MAC does not verify.
  // Expiry is the caller's check (it needs the clock and answers 409, not 400).
  [[nodiscard]] Result<QuoteClaims> Verify(std::string_view token) const;

 private:
  unsigned char key_[32];
};

// Formats a drop-off as the token stores it (6 decimals), so equal strings mean the same place.
std::string QuotePlace(geo::Point p);

}  // namespace hotpath::orders
