#include <gtest/gtest.h>

#include <filesystem>

#include "cache/memory_cache.h"
#include "identity/identity_service.h"
#include "identity/revocations.h"
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

TEST(Tokens, EachTokenHasItsOwnIdAndItsExpiry) {
  TokenSigner signer(kSecret, 60);
  auto a = signer.Verify(signer.Issue({"usr_1", Role::kCustomer, ""}, 5'000), 5'000).value();
  auto b = signer.Verify(signer.Issue({"usr_1", Role::kCustomer, ""}, 5'000), 5'000).value();
  EXPECT_GE(a.token_id.size(), 20u);
  EXPECT_NE(a.token_id, b.token_id);  // same claims, same second: still two tokens
  EXPECT_EQ(a.expires_at, 65'000);
}

class RevocationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hotpath-rv-" + NewId("t"));
    std::filesystem::create_directories(dir_);
    db_ = storage::Database::Open({.path = (dir_ / "t.db").string(), .read_connections = 2, .max_batch = 8}).value();
    ASSERT_TRUE(db_->Migrate().ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{1'000'000};
};

TEST_F(RevocationsTest, EveryModeRefusesARevokedTokenUntilItExpires) {
  cache::MemoryCache shared(clock_);
  Revocations single(*db_, clock_, nullptr, true), cluster(*db_, clock_, nullptr, false),
      redis_a(*db_, clock_, &shared, false), redis_b(*db_, clock_, &shared, false);
  ASSERT_TRUE(single.Load().ok());
  ASSERT_TRUE(single.Revoke("tok_1", 2'000'000).ok());
  ASSERT_TRUE(redis_a.Revoke("tok_2", 2'000'000).ok());
  for (auto* r : {&single, &cluster, &redis_a, &redis_b}) EXPECT_FALSE(r->IsRevoked("tok_0").value());
  for (auto* r : {&cluster, &redis_a, &redis_b}) EXPECT_TRUE(r->IsRevoked("tok_2").value());
  EXPECT_TRUE(single.IsRevoked("tok_1").value());  // (a single process sees only its own logouts)
  EXPECT_TRUE(cluster.IsRevoked("tok_1").value());   // the database answers
  EXPECT_TRUE(redis_b.IsRevoked("tok_1").value());   // loaded into the cache on first use
  // A restart of the single process finds them in the database.
  Revocations restarted(*db_, clock_, nullptr, true);
  ASSERT_TRUE(restarted.Load().ok());
  EXPECT_TRUE(restarted.IsRevoked("tok_2").value());
  // The cache lost everything (a Redis restart): reloaded from the database.
  ASSERT_TRUE(shared.Delete("hp:rv:loaded").ok());
  ASSERT_TRUE(shared.Delete("hp:rv:tok_2").ok());
  EXPECT_TRUE(redis_a.IsRevoked("tok_2").value());
  EXPECT_TRUE(shared.Get({"hp:rv:tok_2"}).value()[0].has_value());
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
