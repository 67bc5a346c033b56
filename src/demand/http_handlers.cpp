#include "demand/http_handlers.h"

#include <fmt/format.h>

#include <charconv>

#include "api/edge.h"
#include "core/json.h"
#include "demand/demand_service.h"
#include "events/cloud_event.h"
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

Result<std::string> ZoneParam(const net::Request& req,
                              const std::function<Result<bool>(const std::string&)>& zone_exists) {
  auto zone = req.Query("zone");
  if (!zone || zone->empty())
    return Error::Invalid("the zone query parameter is required", {{"zone", "is required"}});
  HP_TRY(CheckZone(zone_exists, *zone));
  return *zone;
}

Result<std::optional<Millis>> TimeParam(const net::Request& req, const std::string& name) {
  auto v = req.Query(name);
  if (!v) return std::optional<Millis>();
  auto t = events::ParseRfc3339(*v);
  if (v->empty() || !t.ok())
    return Error::Invalid(fmt::format("{} is not an RFC 3339 time", name),
                          {{name, "must be an RFC 3339 time like 2026-11-25T10:00:00Z"}});
  return std::optional<Millis>(*t);
}

Result<Millis> DateParam(const net::Request& req) {
  auto v = req.Query("date");
  if (!v || v->empty()) return Error::Invalid("the date query parameter is required", {{"date", "is required"}});
  auto t = v->size() == 10 ? events::ParseRfc3339(*v + "T00:00:00Z") : Result<Millis>(Error::Invalid(""));
  if (!t.ok() || json::FormatTime(*t).substr(0, 10) != *v)  // also refuses 2026-02-30
    return Error::Invalid(fmt::format("date '{}' is not a date", *v), {{"date", "must be a date like 2026-12-06"}});
  return *t;
}

bj::object ModelJson(const ModelInfo& m) {
  bj::array zones;
  for (const auto& z : m.zones) zones.emplace_back(z);
  return bj::object{{"method", m.method},
                    {"trained_at", json::FormatTime(m.trained_at)},
                    {"last_observed_hour", json::FormatTime(m.last_observed)},
                    {"horizon_hours", m.horizon_hours},
                    {"calibration_residuals", m.calibration_residuals},
                    {"zones", std::move(zones)}};
}

Millis AtMs(forecast::Timestamp t) { return static_cast<Millis>(t.time_since_epoch().count()) * 1000; }

net::Response GetForecast(DemandService& demand, const Clock& clock,
                          const std::function<Result<bool>(const std::string&)>& zone_exists, net::Request& req) {
  auto zone = ZoneParam(req, zone_exists);
  if (!zone.ok()) return api::ErrorResponse(zone.error());
  auto from = TimeParam(req, "from");
  if (!from.ok()) return api::ErrorResponse(from.error());
  auto to = TimeParam(req, "to");
  if (!to.ok()) return api::ErrorResponse(to.error());
  const Millis start = from->value_or(clock.NowMillis());
  const Millis end = to->value_or(start + 23 * 3'600'000);
  if (end < start)
    return api::ErrorResponse(Error::Invalid("to is before from", {{"to", "must not be before from"}}));
  auto fc = demand.Forecast(*zone, start, end);
  if (!fc.ok()) return api::ErrorResponse(fc.error());
  bj::array points;
  for (const auto& f : fc->points) {
    points.push_back(bj::object{{"at", json::FormatTime(AtMs(f.ds))},
                                {"point", f.point},
                                {"q10", f.q10},
                                {"q50", f.q50},
                                {"q90", f.q90}});
  }
  return api::JsonResponse(200, bj::object{{"zone_id", *zone},
                                           {"freq", "1h"},
                                           {"unit", "orders per hour"},
                                           {"model", ModelJson(fc->model)},
                                           {"points", std::move(points)}});
}

net::Response PostRetrain(DemandService& demand, net::Request& req) {
  auto body = api::ParseBody(req, true);
  if (!body.ok()) return api::ErrorResponse(body.error());
  if (!body->empty()) return api::ErrorResponse(Error::Invalid("this request takes no fields"));
  auto r = demand.Retrain();
  if (!r.ok()) return api::ErrorResponse(r.error());
  return api::JsonResponse(200, bj::object{{"model", ModelJson(r->model)},
                                           {"history", bj::object{{"from", json::FormatTime(r->history_from)},
                                                                  {"hours", r->history_hours},
                                                                  {"orders", r->orders}}},
                                           {"seconds", std::round(r->seconds * 1000) / 1000}});
}

net::Response GetStaffing(DemandService& demand, const std::function<Result<bool>(const std::string&)>& zone_exists,
                          net::Request& req) {
  auto zone = ZoneParam(req, zone_exists);
  if (!zone.ok()) return api::ErrorResponse(zone.error());
  auto date = DateParam(req);
  if (!date.ok()) return api::ErrorResponse(date.error());
  auto plan = demand.Staffing(*zone, *date);
  if (!plan.ok()) return api::ErrorResponse(plan.error());
  bj::array hours;
  for (std::size_t i = 0; i < plan->need.size(); ++i) {
    const auto& n = plan->need[i];
    hours.push_back(bj::object{{"at", json::FormatTime(AtMs(n.hour))},
                               {"demand", std::round(n.demand * 100) / 100},
                               {"couriers", n.couriers},
                               {"on_duty", i < plan->plan.on_duty.size() ? plan->plan.on_duty[i] : 0}});
  }
  bj::array shifts;
  long needed = 0;
  for (const auto& n : plan->need) needed += n.couriers;
  for (const auto& s : plan->plan.shifts) {
    shifts.push_back(bj::object{
        {"start", json::FormatTime(AtMs(s.start))}, {"length_hours", s.length_hours}, {"couriers", s.couriers}});
  }
  const auto& p = plan->productivity;
  return api::JsonResponse(
      200, bj::object{{"zone_id", plan->zone_id},
                      {"date", json::FormatTime(plan->date).substr(0, 10)},
                      {"orders_per_courier_hour", bj::object{{"value", std::round(p.orders_per_courier_hour * 1000) / 1000},
                                                             {"source", p.measured ? "measured" : "config"},
                                                             {"deliveries", p.deliveries},
                                                             {"busy_hours", std::round(p.busy_hours * 100) / 100}}},
                      {"utilisation", plan->params.target_utilisation},
                      {"service_level", plan->params.service_level},
                      {"hours", std::move(hours)},
                      {"shifts", std::move(shifts)},
                      {"courier_hours", plan->plan.courier_hours},
                      {"courier_hours_needed", needed}});
}

}  // namespace

void RegisterRoutes(net::Router& router, FeeDesk& fees, DemandService* demand, const Clock& clock,
                    const identity::IdentityService& identity, FeeRouteSettings settings,
                    std::function<Result<bool>(const std::string&)> zone_exists) {
  if (demand != nullptr) {
    router.Add("GET", "/v1/forecast",
               identity::Authenticated(identity, {Role::kAdmin},
                                       [demand, &clock, zone_exists](const Principal&, net::Request& req) {
                                         return GetForecast(*demand, clock, zone_exists, req);
                                       }));
    router.Add("POST", "/v1/forecast/retrain",
               identity::Authenticated(identity, {Role::kAdmin}, [demand](const Principal&, net::Request& req) {
                 return PostRetrain(*demand, req);
               }));
    router.Add("GET", "/v1/staffing/plan",
               identity::Authenticated(identity, {Role::kAdmin},
                                       [demand, zone_exists](const Principal&, net::Request& req) {
                                         return GetStaffing(*demand, zone_exists, req);
                                       }));
  }
  router.Add("GET", "/v1/zones/{id}/fee",
             identity::Authenticated(identity, {Role::kAdmin},
                                     [&fees, &clock, settings, zone_exists](const Principal&, net::Request& req) {
                                       return ZoneFee(fees, clock, settings, zone_exists, req);
                                     }));
}

}  // namespace hotpath::demand
