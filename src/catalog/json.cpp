#include "catalog/json.h"

#include "core/json.h"

namespace hotpath::catalog {
namespace bj = boost::json;

bj::object ZoneJson(const Zone& z) {
  bj::array poly;
  for (const auto& p : z.polygon) poly.push_back(bj::object{{"lat", p.lat}, {"lon", p.lon}});
  return bj::object{{"id", z.id},
                    {"name", z.name},
                    {"polygon", std::move(poly)},
                    {"created_at", json::FormatTime(z.created_at)}};
}

bj::object RestaurantJson(const Restaurant& r) {
  bj::object o{{"id", r.id},
               {"name", r.name},
               {"location", bj::object{{"lat", r.location.lat}, {"lon", r.location.lon}}},
               {"created_at", json::FormatTime(r.created_at)}};
  o["zone_id"] = r.zone_id.empty() ? bj::value(nullptr) : bj::value(r.zone_id);
  return o;
}

bj::object ItemJson(const MenuItem& i) {
  return bj::object{{"id", i.id},
                    {"restaurant_id", i.restaurant_id},
                    {"name", i.name},
                    {"price", json::MoneyJson(i.price, i.currency)},
                    {"available", i.available},
                    {"updated_at", json::FormatTime(i.updated_at)}};
}

}  // namespace hotpath::catalog
