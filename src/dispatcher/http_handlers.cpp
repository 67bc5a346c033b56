#include "dispatcher/http_handlers.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>

#include "api/edge.h"
#include "dispatcher/dispatcher_json.h"
#include "identity/guard.h"
#include "orders/order_json.h"

namespace hotpath::dispatcher {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

Status NoBody(const net::Request& req, bool allow_reason) {
  HP_ASSIGN(auto body, api::ParseBody(req, true));
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  if (allow_reason) r.String("reason", false, 1, 500);
  r.Done();
  return errors.ToStatus();
}

Error NoSuchOffer(const std::string& id) { return Error::NotFound(fmt::format("no offer with id '{}'", id)); }

}  // namespace

void RegisterRoutes(net::Router& router, LiveDispatcher* dispatcher, catalog::CatalogService& catalog,
                    const identity::IdentityService& identity) {
  using identity::Authenticated;
  router.Add("GET", "/v1/offers", Authenticated(identity, {Role::kRider}, [dispatcher](const Principal& who, net::Request&) {
               bj::array items;
               if (dispatcher) {
                 for (const auto& o : dispatcher->PendingFor(who.user_id)) items.push_back(OfferJson(o));
               }
               return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
             }));

  router.Add("POST", "/v1/offers/{id}/accept",
             Authenticated(identity, {Role::kRider}, [dispatcher](const Principal& who, net::Request& req) {
               if (auto st = NoBody(req, false); !st.ok()) return api::ErrorResponse(st.error());
               if (!dispatcher) return api::ErrorResponse(NoSuchOffer(req.Param("id")));
               auto accepted = dispatcher->Accept(who, req.Param("id"));
               if (!accepted.ok()) return api::ErrorResponse(accepted.error());
               bj::array orders;
               for (const auto& o : accepted->orders) orders.push_back(orders::OrderJson(o));
               return api::JsonResponse(
                   200, bj::object{{"offer", OfferJson(accepted->offer)}, {"orders", std::move(orders)}});
             }));

  router.Add("POST", "/v1/offers/{id}/decline",
             Authenticated(identity, {Role::kRider}, [dispatcher](const Principal& who, net::Request& req) {
               if (auto st = NoBody(req, true); !st.ok()) return api::ErrorResponse(st.error());
               if (!dispatcher) return api::ErrorResponse(NoSuchOffer(req.Param("id")));
               auto declined = dispatcher->Decline(who, req.Param("id"));
               if (!declined.ok()) return api::ErrorResponse(declined.error());
               return api::JsonResponse(200, bj::object{{"offer", OfferJson(*declined)}});
             }));

  router.Add("GET", "/v1/dispatch/plan",
             Authenticated(identity, {Role::kAdmin}, [dispatcher, &catalog](const Principal&, net::Request& req) {
               auto zone = req.Query("zone");
               if (!zone || zone->empty()) {
                 return api::ErrorResponse(
                     Error::Invalid("the zone query parameter is required", {{"zone", "is required"}}));
               }
               auto zones = catalog.ListZones();
               if (!zones.ok()) return api::ErrorResponse(zones.error());
               bool known = std::any_of(zones->begin(), zones->end(), [&](const auto& z) { return z.id == *zone; });
               if (!known) return api::ErrorResponse(Error::NotFound(fmt::format("no zone with id '{}'", *zone)));
               if (!dispatcher) {
                 ZonePlan none;
                 none.zone_id = *zone;
                 return api::JsonResponse(200, PlanJson(none, {}, "nearest"));
               }
               return api::JsonResponse(
                   200, PlanJson(dispatcher->PlanFor(*zone), dispatcher->PendingInZone(*zone), "optimised"));
             }));
}

}  // namespace hotpath::dispatcher
