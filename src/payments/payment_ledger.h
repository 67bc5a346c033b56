#pragma once
// Payment records, written inside the order's transaction so the order and its money never
// disagree. Allowed moves: authorized -> captured | voided; captured -> refunded.

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "storage/sqlite.h"

namespace hotpath::payments {

enum class PaymentStatus { kAuthorized, kCaptured, kVoided, kRefunded, kDeclined };
std::string_view StatusName(PaymentStatus s);

struct Payment {
  std::string id;
  std::string order_id;
  std::string method;
  PaymentStatus status = PaymentStatus::kAuthorized;
  std::int64_t amount = 0;
  std::string currency;
  std::string provider_ref;
};

// Pure: is `from -> to` a legal move?
bool CanMove(PaymentStatus from, PaymentStatus to);

// Sent with ExecLater: on PostgreSQL a failure shows at the unit's next statement or its end.
Status InsertPayment(storage::Connection& c, const Payment& p, Millis now);
// PostgreSQL: the same row as an INSERT ... SELECT for a data-modifying CTE that creates the order
// in the same statement (`from` names the CTE holding the new order's `id`, which the payment
// references: no row there, no payment). Appends its parameters to `params`.
std::string InsertPaymentSelect(const Payment& p, Millis now, std::string_view from,
                                std::vector<storage::SqlValue>& params);
Result<std::optional<Payment>> LoadPayment(storage::Connection& c, const std::string& order_id);
// Moves the order's payment to `to`; kConflict if the current status does not allow it.
Result<Payment> MovePayment(storage::Connection& c, const std::string& order_id, PaymentStatus to,
                            Millis now);

}  // namespace hotpath::payments
