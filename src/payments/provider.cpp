#include "payments/provider.h"

#include <fmt/format.h>

#include "core/clock.h"

namespace hotpath::payments {

Result<Authorization> SandboxProvider::Authorize(const std::string& method, std::int64_t amount,
                                                 const std::string& currency, const std::string&) {
  if (amount <= 0) return Error::Invalid("amount must be positive");
  if (currency.size() != 3) return Error::Invalid("currency must be an ISO 4217 code");
  if (method == "tok_visa" || method == "tok_mastercard") return Authorization{NewId("auth")};
  if (method == "tok_declined") return Error::Declined("the card was declined");
  if (method == "tok_insufficient_funds") return Error::Declined("the card has insufficient funds");
  return Error::Invalid(fmt::format("unknown payment method '{}'", method),
                        {{"payment_method", "must be a payment token such as tok_visa"}});
}

Status SandboxProvider::Capture(const std::string& provider_ref, std::int64_t amount) {
  if (provider_ref.rfind("auth_", 0) != 0 || amount < 0) return Error::Invalid("unknown authorization");
  return OkStatus();
}

Status SandboxProvider::Void(const std::string& provider_ref) {
  if (provider_ref.rfind("auth_", 0) != 0) return Error::Invalid("unknown authorization");
  return OkStatus();
}

Status SandboxProvider::Refund(const std::string& provider_ref, std::int64_t amount) {
  if (provider_ref.rfind("auth_", 0) != 0 || amount < 0) return Error::Invalid("unknown authorization");
  return OkStatus();
}

}  // namespace hotpath::payments
