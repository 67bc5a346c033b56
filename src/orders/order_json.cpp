#include "orders/order_json.h"

#include <map>

namespace hotpath::orders {
namespace bj = boost::json;

bj::object OrderJson(const Order& o) {
  bj::array items;
  for (const auto& l : o.lines) {
    items.push_back(bj::object{{"item_id", l.item_id},
                               {"name", l.name},
                               {"unit_price", json::MoneyJson(l.unit_price, o.currency)},
                               {"quantity", l.quantity}});
  }
  bj::array history;
  for (const auto& h : o.history) {
    bj::object e{{"status", StatusName(h.status)}, {"at", json::FormatTime(h.at)}, {"actor", h.actor}};
    if (!h.reason.empty()) e["reason"] = h.reason;
    history.push_back(std::move(e));
  }
  bj::object payment;
  if (o.payment) {
    payment = bj::object{{"status", payments::StatusName(o.payment->status)},
                         {"amount", json::MoneyJson(o.payment->amount, o.payment->currency)},
                         {"method", o.payment->method}};
  }
  auto opt = [](const std::string& s) { return s.empty() ? bj::value(nullptr) : bj::value(s); };
  return bj::object{
      {"id", o.id},
      {"status", StatusName(o.status)},
      {"version", o.version},
      {"customer_id", o.customer_id},
      {"restaurant_id", o.restaurant_id},
      {"zone_id", opt(o.zone_id)},
      {"rider_id", opt(o.rider_id)},
      {"items", std::move(items)},
      {"subtotal", json::MoneyJson(o.subtotal, o.currency)},
      {"delivery_fee", json::MoneyJson(o.delivery_fee, o.currency)},
      {"small_order_fee", json::MoneyJson(o.small_order_fee, o.currency)},
      {"total", json::MoneyJson(o.total, o.currency)},
      {"delivery", bj::object{{"lat", o.delivery.lat}, {"lon", o.delivery.lon}, {"address", o.address}}},
      {"prep_minutes", o.prep_minutes ? bj::value(*o.prep_minutes) : bj::value(nullptr)},
      {"eta_minutes", o.eta_minutes},
      {"payment", std::move(payment)},
      {"history", std::move(history)},
      {"created_at", json::FormatTime(o.created_at)},
      {"updated_at", json::FormatTime(o.updated_at)}};
}

bj::object FeeBreakdownJson(const FeeBreakdown& b, const std::string& currency) {
  return bj::object{{"base", json::MoneyJson(b.base, currency)},
                    {"multiplier", b.multiplier},
                    {"surcharge", json::MoneyJson(b.surcharge, currency)},
                    {"demand", bj::object{{"orders_per_hour", b.demand_per_hour}}},
                    {"riders", bj::object{{"available", b.riders}}},
                    {"forecast", b.forecast_per_hour ? bj::value(bj::object{{"orders_per_hour", *b.forecast_per_hour}})
                                                     : bj::value(nullptr)},
                    {"reason", b.reason}};
}

bj::object QuoteJson(const Quote& q, const std::string& currency) {
  bj::object fee = json::MoneyJson(q.delivery_fee, currency);
  if (q.fee_breakdown) fee["breakdown"] = FeeBreakdownJson(*q.fee_breakdown, currency);
  bj::object out{{"subtotal", json::MoneyJson(q.subtotal, currency)},
                    {"delivery_fee", std::move(fee)},
                    {"small_order_fee", json::MoneyJson(q.small_order_fee, currency)},
                    {"total", json::MoneyJson(q.total, currency)},
                    {"eta_minutes", q.eta_minutes},
                    {"distance_m", static_cast<std::int64_t>(q.distance_m)}};
  if (!q.quote_id.empty()) {
    out["quote_id"] = q.quote_id;
    out["expires_at"] = json::FormatTime(q.expires_at);
  }
  return out;
}

Result<OrderRequest> ParseOrderRequest(const bj::object& body, bool with_payment) {
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  OrderRequest req;
  req.restaurant_id = r.String("restaurant_id", true, 1, 64).value_or("");
  if (const auto* items = r.Array("items", true, 100)) {
    if (items->empty()) r.Fail("items", "must have at least one item");
    std::map<std::string, std::int64_t> per_item;  // the 1..100 rule holds per item, across lines
    for (std::size_t i = 0; i < items->size(); ++i) {
      json::ObjectReader line((*items)[i], errors, r.Child("items", i));
      auto id = line.String("item_id", true, 1, 64);
      auto qty = line.Int("quantity", true, 1, 100);
      if (id && qty) {
        std::int64_t& total = per_item[*id];
        total += *qty;
        if (total > 100)
          line.Fail("quantity", "item '" + *id + "' appears on several lines adding up to " + std::to_string(total) +
                                    "; at most 100 of one item per order");
      }
      line.Done();
      if (id && qty) req.items.push_back({*id, *qty});
    }
  }
  if (const auto* d = r.Value("delivery", true)) {
    json::ObjectReader dr(*d, errors, "delivery");
    auto lat = dr.Number("lat", true, -90, 90);
    auto lon = dr.Number("lon", true, -180, 180);
    auto address = dr.String("address", true, 1, 500);
    dr.Done();
    if (lat && lon) req.delivery = {*lat, *lon};
    req.address = address.value_or("");
  }
  if (with_payment) {
    req.payment_method = r.String("payment_method", true, 1, 100).value_or("");
    req.quote_id = r.String("quote_id", false, 1, 2048).value_or("");
  }
  r.Done();
  HP_TRY(errors.ToStatus());
  return req;
}

}  // namespace hotpath::orders
