#pragma once
// Quote arithmetic in integer minor units. Pure: the same cart, addresses and tariff always give
// the same quote.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/result.h"
#include "orders/delivery_fee.h"

namespace hotpath::orders {

struct Tariff {
  std::int64_t base_fee = 199;
  std::int64_t fee_per_km = 60;  // per started kilometre
  std::int64_t small_order_threshold = 1000;
  std::int64_t small_order_fee = 150;
  double max_delivery_km = 15.0;
  double rider_speed_kmh = 18.0;
  int default_prep_minutes = 15;
};

struct PricedLine {
  std::int64_t unit_price = 0;
  std::int64_t quantity = 0;
};

struct Quote {
  std::int64_t subtotal = 0;
  std::int64_t delivery_fee = 0;
  std::int64_t small_order_fee = 0;
  std::int64_t total = 0;
  int eta_minutes = 0;
  double distance_m = 0;
  // Set by OrderService::QuoteOrder: the signed token that holds `delivery_fee` until `expires_at`,
  // and the fee's explanation (absent when no dynamic fee source is configured).
  std::string quote_id;
  Millis expires_at = 0;
  std::optional<FeeBreakdown> fee_breakdown;
};

// kUnprocessable when the address is beyond the tariff's delivery radius.
Result<Quote> PriceOrder(const std::vector<PricedLine>& lines, geo::Point restaurant, geo::Point delivery,
                         const Tariff& tariff);

}  // namespace hotpath::orders
