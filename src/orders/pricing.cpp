#include "orders/pricing.h"

#include <fmt/format.h>

#include <cmath>

namespace hotpath::orders {

Result<Quote> PriceOrder(const std::vector<PricedLine>& lines, geo::Point restaurant, geo::Point delivery,
                         const Tariff& tariff) {
  Quote q;
  for (const auto& l : lines) q.subtotal += l.unit_price * l.quantity;
  q.distance_m = geo::DistanceMeters(restaurant, delivery);
  double km = q.distance_m / 1000.0;
  if (km > tariff.max_delivery_km) {
    Error e = Error::Unprocessable(
        fmt::format("the address is {:.1f} km from the restaurant; the delivery radius is {:.1f} km", km,
                    tariff.max_delivery_km));
    e.fields.push_back({"delivery", "is outside the restaurant's delivery radius"});
    return e;
  }
  auto started_km = static_cast<std::int64_t>(std::ceil(km));
  q.delivery_fee = tariff.base_fee + tariff.fee_per_km * started_km;
  q.small_order_fee = q.subtotal < tariff.small_order_threshold ? tariff.small_order_fee : 0;
  q.total = q.subtotal + q.delivery_fee + q.small_order_fee;
  double ride_minutes = km / tariff.rider_speed_kmh * 60.0;
  q.eta_minutes =
      tariff.default_prep_minutes + static_cast<int>(std::ceil(ride_minutes)) + 5;  // 5: pickup + handover
  return q;
}

}  // namespace hotpath::orders
