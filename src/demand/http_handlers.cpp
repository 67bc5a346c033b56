#include "demand/http_handlers.h"

#include <fmt/format.h>

#include <charconv>

#include "api/edge.h"
#include "core/json.h"
#include "identity/guard.h"
#include "orders/order_json.h"

namespace hotpath::demand {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

Result<std::int64_t> IntParam(const net::Request& req, const std::string& name, std::int64_t fallback,
                              std::int64_t min, std::int64_t max) {
  auto v = req.Query(name);
  if (!v) return fallback;
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size() || out < min || out > max) {
    return Error::Invalid(fmt::format("{} must be an integer between {} and {}", name, min, max),
                          {{name, fmt::format("must be an integer between {} and {}", min, max)}});
  }
  return out;
}

Status CheckZone(const std::function<Result<bool>(const std::string&)>& zone_exists, const std::string& zone) {
  HP_ASSIGN(bool known, zone_exists(zone));
  if (!known) return Error::NotFound(fmt::format("no zone with id '{}'", zone));
  return OkStatus();
}

net::Response ZoneFee(FeeDesk& fees, const Clock& clock, const FeeRouteSettings& s,
                      const std::function<Result<bool>(const std::string&)>& zone_exists, net::Request& req) {
  const std::string zone = req.Param("id");
  auto base = IntParam(req, "base_fee", s.base_fee, 0, 100000);
  if (!base.ok()) return api::ErrorResponse(base.error());
  if (auto st = CheckZone(zone_exists, zone); !st.ok()) return api::ErrorResponse(st.error());
  const Millis now = clock.NowMillis();
  auto v = fees.View(zone, *base, now);
  const auto& fs = fees.settings();
  auto opt_time = [](Millis t) { return t > 0 ? bj::value(json::FormatTime(t)) : bj::value(nullptr); };
  return api::JsonResponse(
      200, bj::object{{"zone_id", zone},
                      {"dynamic_fees", fs.enabled},
                      {"multiplier", v.example.breakdown.multiplier},
                      {"target_multiplier", v.target_multiplier},
                      {"load", v.load},
                      {"fee", json::MoneyJson(v.example.fee, s.currency)},
                      {"breakdown", orders::FeeBreakdownJson(v.example.breakdown, s.currency)},
                      {"evaluated_at", opt_time(v.evaluated_at)},
                      {"next_refresh_at", opt_time(v.next_refresh_at)},
                      {"settings", bj::object{{"max_multiplier", fs.max_multiplier},
                                              {"max_surcharge", json::MoneyJson(fs.max_surcharge, s.currency)},
                                              {"refresh_s", fs.refresh.count()},
                                              {"demand_window_minutes", fs.demand_window.count()},
                                              {"quote_validity_s", s.quote_validity.count()}}}});
}

}  // namespace

void RegisterRoutes(net::Router& router, FeeDesk& fees, DemandService* demand, const Clock& clock,
                    const identity::IdentityService& identity, FeeRouteSettings settings,
                    std::function<Result<bool>(const std::string&)> zone_exists) {
  (void)demand;
  router.Add("GET", "/v1/zones/{id}/fee",
             identity::Authenticated(identity, {Role::kAdmin},
                                     [&fees, &clock, settings, zone_exists](const Principal&, net::Request& req) {
                                       return ZoneFee(fees, clock, settings, zone_exists, req);
                                     }));
}

}  // namespace hotpath::demand
