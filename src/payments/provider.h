#pragma once
// The card processor behind a small interface. SandboxProvider is the processor's test mode that
// hotpath ships for demos and tests (like a PSP's test cards): `tok_visa` authorises,
// `tok_declined` is declined, `tok_insufficient_funds` is declined with that reason; any other
// token is an invalid payment method. A real PSP adapter implements the same interface.

#include <cstdint>
#include <string>

#include "core/result.h"

namespace hotpath::payments {

struct Authorization {
  std::string provider_ref;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  // kPaymentDeclined when the card is refused, kInvalidArgument for an unknown method.
  virtual Result<Authorization> Authorize(const std::string& method, std::int64_t amount,
                                          const std::string& currency, const std::string& reference) = 0;
  virtual Status Capture(const std::string& provider_ref, std::int64_t amount) = 0;
  virtual Status Void(const std::string& provider_ref) = 0;
  virtual Status Refund(const std::string& provider_ref, std::int64_t amount) = 0;
};

class SandboxProvider final : public PaymentProvider {
 public:
  Result<Authorization> Authorize(const std::string& method, std::int64_t amount, const std::string& currency,
                                  const std::string& reference) override;
  Status Capture(const std::string& provider_ref, std::int64_t amount) override;
  Status Void(const std::string& provider_ref) override;
  Status Refund(const std::string& provider_ref, std::int64_t amount) override;
};

}  // namespace hotpath::payments
