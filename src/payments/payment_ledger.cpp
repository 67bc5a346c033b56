#include "payments/payment_ledger.h"

#include <fmt/format.h>

namespace hotpath::payments {
using storage::Row;

std::string_view StatusName(PaymentStatus s) {
  switch (s) {
    case PaymentStatus::kAuthorized:
      return "authorized";
    case PaymentStatus::kCaptured:
      return "captured";
    case PaymentStatus::kVoided:
      return "voided";
    case PaymentStatus::kRefunded:
      return "refunded";
    case PaymentStatus::kDeclined:
      return "declined";
  }
  return "authorized";
}

namespace {
PaymentStatus Parse(const std::string& s) {
  if (s == "captured") return PaymentStatus::kCaptured;
  if (s == "voided") return PaymentStatus::kVoided;
  if (s == "refunded") return PaymentStatus::kRefunded;
  if (s == "declined") return PaymentStatus::kDeclined;
  return PaymentStatus::kAuthorized;
}
}  // namespace

bool CanMove(PaymentStatus from, PaymentStatus to) {
  return (from == PaymentStatus::kAuthorized &&
          (to == PaymentStatus::kCaptured || to == PaymentStatus::kVoided)) ||
         (from == PaymentStatus::kCaptured && to == PaymentStatus::kRefunded);
}

Status InsertPayment(storage::Connection& c, const Payment& p, Millis now) {
  // A new row nobody reads back in the unit: sent without waiting (a conflict still fails the unit).
  return c.ExecLater(
      "INSERT INTO payments(id,order_id,method,status,amount,currency,provider_ref,created_at,updated_at) "
      "VALUES (?,?,?,?,?,?,?,?,?)",
      {p.id, p.order_id, p.method, std::string(StatusName(p.status)), p.amount, p.currency, p.provider_ref,
       now, now});
}

std::string InsertPaymentSelect(const Payment& p, Millis now, std::string_view from,
                                std::vector<storage::SqlValue>& params) {
  params.insert(params.end(), {p.id, p.method, std::string(StatusName(p.status)), p.amount, p.currency,
                               p.provider_ref, now, now});
  return fmt::format(
      "INSERT INTO payments(id,order_id,method,status,amount,currency,provider_ref,created_at,updated_at) "
      "SELECT ?,{0}.id,?,?,?,?,?,?,? FROM {0}",
      from);
}

Result<std::optional<Payment>> LoadPayment(storage::Connection& c, const std::string& order_id) {
  std::optional<Payment> out;
  HP_TRY(c.Query(
      "SELECT id, order_id, method, status, amount, currency, provider_ref FROM payments WHERE order_id = ?",
      {order_id}, [&](const Row& r) {
        out = Payment{r.Text(0), r.Text(1), r.Text(2), Parse(r.Text(3)), r.Int(4), r.Text(5), r.Text(6)};
      }));
  return out;
}

Result<Payment> MovePayment(storage::Connection& c, const std::string& order_id, PaymentStatus to,
                            Millis now) {
  HP_ASSIGN(auto p, LoadPayment(c, order_id));
  if (!p) return Error::NotFound(fmt::format("order {} has no payment", order_id));
  if (!CanMove(p->status, to)) {
    return Error::Conflict(
        fmt::format("payment is {}; it cannot become {}", StatusName(p->status), StatusName(to)));
  }
  HP_TRY(c.Exec("UPDATE payments SET status = ?, updated_at = ? WHERE order_id = ?",
                {std::string(StatusName(to)), now, order_id}));
  p->status = to;
  return std::move(*p);
}

}  // namespace hotpath::payments
