// The quote token: round trip, forgery and tampering are refused, keys differ per secret.
#include "orders/quote_token.h"

#include <gtest/gtest.h>

#include <vector>

namespace hotpath::orders {
namespace {

QuoteClaims Claims() {
  return {"usr_1", "rst_1", {40.712345, -73.998765}, "zon_1", 389, "USD", 1'800'000'000'000};
}

TEST(QuoteSigner, RoundTripsTheClaims) {
  QuoteSigner signer("a secret of at least thirty-two characters");
  auto v = signer.Verify(signer.Sign(Claims()));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->customer_id, "usr_1");
  EXPECT_EQ(v->restaurant_id, "rst_1");
  EXPECT_EQ(QuotePlace(v->delivery), QuotePlace({40.712345, -73.998765}));
  EXPECT_EQ(v->zone_id, "zon_1");
  EXPECT_EQ(v->delivery_fee, 389);
  EXPECT_EQ(v->currency, "USD");
  EXPECT_EQ(v->expires_at, 1'800'000'000'000);
}

TEST(QuoteSigner, EmptyZoneRoundTrips) {
  QuoteSigner signer("k");
  auto c = Claims();
  c.zone_id.clear();
  auto v = signer.Verify(signer.Sign(c));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->zone_id, "");
}

TEST(QuoteSigner, AnotherSecretsTokenIsRefused) {
  QuoteSigner a("secret one");
  QuoteSigner b("secret two");
  auto v = b.Verify(a.Sign(Claims()));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(v.error().fields.size(), 1u);
  EXPECT_EQ(v.error().fields[0].field, "quote_id");
}

TEST(QuoteSigner, TamperedPayloadIsRefused) {
  QuoteSigner signer("k");
  std::string token = signer.Sign(Claims());
  auto cheaper = Claims();
  cheaper.delivery_fee = 1;
  std::string other = signer.Sign(cheaper);
  // The payload of a cheaper quote with the MAC of the real one.
  std::string spliced = other.substr(0, other.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(signer.Verify(spliced).ok());
  // One flipped character anywhere.
  for (std::size_t i = 0; i < token.size(); i += 7) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t == token) continue;
    EXPECT_FALSE(signer.Verify(t).ok()) << i;
  }
}

TEST(QuoteSigner, GarbageIsRefusedNotCrashed) {
  QuoteSigner signer("k");
  for (const std::string& t : std::vector<std::string>{"", ".", "abc", "abc.def", "!!!.???", std::string(5000, 'a') + ".b"}) {
    auto v = signer.Verify(t);
    ASSERT_FALSE(v.ok()) << t;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace hotpath::orders
