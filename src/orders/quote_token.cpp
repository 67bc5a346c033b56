#include "orders/quote_token.h"

#include <fmt/format.h>
#include <sodium.h>

#include <charconv>
#include <vector>

namespace hotpath::orders {
namespace {

constexpr std::string_view kVersion = "q1";
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string Base64(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, kVariant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

bool Unbase64(std::string_view in, std::string& out) {
  out.assign(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(), nullptr,
                        &len, nullptr, kVariant) != 0)
    return false;
  out.resize(len);
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Error Forged(std::string_view why) {
  return Error::Invalid("quote_id is not a quote this platform issued",
                        {{"quote_id", std::string(why)}});
}

}  // namespace

std::string QuotePlace(geo::Point p) { return fmt::format("{:.6f},{:.6f}", p.lat, p.lon); }

QuoteSigner::QuoteSigner(std::string_view secret) {
  static constexpr std::string_view kContext = "hotpath quote token v1";
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof key_);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kContext.data()), kContext.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_generichash_final(&st, key_, sizeof key_);
  static_assert(sizeof key_ == crypto_auth_KEYBYTES);
}

std::string QuoteSigner::Sign(const QuoteClaims& c) const {
  std::string payload = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", kVersion, c.customer_id, c.restaurant_id,
                                    QuotePlace(c.delivery), c.zone_id, c.delivery_fee, c.currency, c.expires_at);
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key_);
  return Base64(reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) + "." +
         Base64(mac, sizeof mac);
}

Result<QuoteClaims> QuoteSigner::Verify(std::string_view token) const {
  auto dot = token.find('.');
  if (token.empty() || token.size() > 2048 || dot == std::string_view::npos) return Forged("is malformed");
  std::string payload;
  std::string mac;
  if (!Unbase64(token.substr(0, dot), payload) || !Unbase64(token.substr(dot + 1), mac) ||
      mac.size() != crypto_auth_BYTES)
    return Forged("is malformed");
  if (crypto_auth_verify(reinterpret_cast<const unsigned char*>(mac.data()),
                         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), key_) != 0)
    return Forged("has an invalid signature");
  auto parts = Split(payload, '|');
  QuoteClaims c;
  // customer|restaurant|lat,lon|zone|fee|currency|expires
  if (parts.size() != 8 || parts[0] != kVersion) return Forged("has an unknown format");
  auto place = Split(parts[3], ',');
  if (place.size() != 2 || !ParseNumber(parts[5], c.delivery_fee) || !ParseNumber(parts[7], c.expires_at))
    return Forged("has an unknown format");
  try {
    c.delivery = {std::stod(std::string(place[0])), std::stod(std::string(place[1]))};
  } catch (const std::exception&) {
    return Forged("has an unknown format");
  }
  c.customer_id = parts[1];
  c.restaurant_id = parts[2];
  c.zone_id = parts[4];
  c.currency = parts[6];
  return c;
}

}  // namespace hotpath::orders
