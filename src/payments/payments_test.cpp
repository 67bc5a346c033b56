#include <gtest/gtest.h>

#include "payments/payment_ledger.h"
#include "payments/provider.h"

namespace hotpath::payments {
namespace {

TEST(Sandbox, TestTokensBehaveLikeTheirNames) {
  SandboxProvider p;
  auto ok = p.Authorize("tok_visa", 1234, "USD", "ord_1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->provider_ref.rfind("auth_", 0), 0u);
  EXPECT_EQ(p.Authorize("tok_declined", 1234, "USD", "ord_1").error().code, ErrorCode::kPaymentDeclined);
  EXPECT_EQ(p.Authorize("tok_unknown", 1234, "USD", "ord_1").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(p.Authorize("tok_visa", 0, "USD", "ord_1").ok());
}

TEST(Ledger, OnlyLegalMoves) {
  EXPECT_TRUE(CanMove(PaymentStatus::kAuthorized, PaymentStatus::kCaptured));
  EXPECT_TRUE(CanMove(PaymentStatus::kAuthorized, PaymentStatus::kVoided));
  EXPECT_TRUE(CanMove(PaymentStatus::kCaptured, PaymentStatus::kRefunded));
  EXPECT_FALSE(CanMove(PaymentStatus::kVoided, PaymentStatus::kCaptured));
  EXPECT_FALSE(CanMove(PaymentStatus::kCaptured, PaymentStatus::kVoided));
  EXPECT_FALSE(CanMove(PaymentStatus::kAuthorized, PaymentStatus::kRefunded));
  EXPECT_FALSE(CanMove(PaymentStatus::kRefunded, PaymentStatus::kRefunded));
}

}  // namespace
}  // namespace hotpath::payments
