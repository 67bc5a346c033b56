#include <gtest/gtest.h>

#include "identity/identity_service.h"
#include "identity/tokens.h"

namespace hotpath::identity {
namespace {

const std::string kSecret(40, 's');

TEST(Tokens, RoundTripKeepsClaims) {
  TokenSigner signer(kSecret, 3600);
  auto t = signer.Issue({"usr_1", Role::kRestaurant, "rst_9"}, 1'000'000);
  auto p = signer.Verify(t, 1'000'000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user_id, "usr_1");
  EXPECT_EQ(p->role, Role::kRestaurant);
  EXPECT_EQ(p->restaurant_id, "rst_9");
}

TEST(Tokens, ExpiredForgedAndGarbageAreUnauthenticated) {
  TokenSigner signer(kSecret, 60);
  auto t = signer.Issue({"usr_1", Role::kCustomer, ""}, 0);
  EXPECT_EQ(signer.Verify(t, 61'000).error().code, ErrorCode::kUnauthenticated);
  TokenSigner other(std::string(40, 'x'), 60);
  EXPECT_FALSE(other.Verify(t, 0).ok());
  std::string tampered = t;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.Verify(tampered, 0).ok());
  EXPECT_FALSE(signer.Verify("v1.abc", 0).ok());
  EXPECT_FALSE(signer.Verify("", 0).ok());
}

TEST(Passwords, HashVerifiesOnlyTheRightPassword) {
  auto h = HashPassword("correct horse");
  EXPECT_NE(h.find("argon2id"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(h, "wrong horse"));
}

TEST(Validation, NamesEachBadField) {
  NewUser u{"not-an-email", "short", "", Role::kRestaurant, ""};
  auto st = ValidateNewUser(u);
  ASSERT_FALSE(st.ok());
  std::vector<std::string> fields;
  for (const auto& f : st.error().fields) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"email", "password", "name", "restaurant_id"}));
  EXPECT_TRUE(ValidateNewUser({"a@b.co", "long enough", "A", Role::kCustomer, ""}).ok());
}

}  // namespace
}  // namespace hotpath::identity
