#pragma once
// JSON shapes of orders and quotes, and strict parsing of the quote/order request body.

#include <boost/json/object.hpp>

#include "core/json.h"
#include "orders/order.h"
#include "orders/order_service.h"
#include "orders/pricing.h"

namespace hotpath::orders {

boost::json::object OrderJson(const Order& o);
// A quote; delivery_fee carries its `breakdown` when a fee source priced it.
boost::json::object QuoteJson(const Quote& q, const std::string& currency);
boost::json::object FeeBreakdownJson(const FeeBreakdown& b, const std::string& currency);
// Reads {restaurant_id, items:[{item_id, quantity 1..100}] (1..100 lines), delivery:{lat, lon,
// address}} and, when `with_payment`, payment_method and an optional quote_id.
Result<OrderRequest> ParseOrderRequest(const boost::json::object& body, bool with_payment);

}  // namespace hotpath::orders
