#include "fleet/http_handlers.h"

#include "api/edge.h"
#include "identity/guard.h"

namespace hotpath::fleet {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

bj::object RiderJson(const Rider& r) {
  bj::object o{
      {"rider_id", r.id},
      {"status", StatusName(r.status)},
      {"zone_id", r.zone_id.empty() ? bj::value(nullptr) : bj::value(r.zone_id)},
      {"updated_at", r.updated_at == 0 ? bj::value(nullptr) : bj::value(json::FormatTime(r.updated_at))}};
  o["location"] = r.position ? bj::value(bj::object{{"lat", r.position->lat}, {"lon", r.position->lon}})
                             : bj::value(nullptr);
  return o;
}

net::Response Reply(const Result<Rider>& r) {
  if (!r.ok()) return api::ErrorResponse(r.error());
  return api::JsonResponse(200, RiderJson(*r));
}

Result<geo::Point> ReadPoint(const net::Request& req) {
  HP_ASSIGN(auto body, api::ParseBody(req));
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  auto lat = r.Number("lat", true, -90, 90);
  auto lon = r.Number("lon", true, -180, 180);
  r.Done();
  HP_TRY(errors.ToStatus());
  return geo::Point{*lat, *lon};
}

}  // namespace

void RegisterRoutes(net::Router& router, FleetService& fleet, const identity::IdentityService& identity) {
  using identity::Authenticated;
  router.Add("POST", "/v1/riders/me/online",
             Authenticated(identity, {Role::kRider}, [&fleet](const Principal& p, net::Request& req) {
               auto at = ReadPoint(req);
               if (!at.ok()) return api::ErrorResponse(at.error());
               return Reply(fleet.GoOnline(p, *at));
             }));
  router.Add("POST", "/v1/riders/me/offline",
             Authenticated(identity, {Role::kRider}, [&fleet](const Principal& p, net::Request& req) {
               auto body = api::ParseBody(req, true);
               if (!body.ok()) return api::ErrorResponse(body.error());
               if (!body->empty()) return api::ErrorResponse(Error::Invalid("this request takes no fields"));
               return Reply(fleet.GoOffline(p));
             }));
  router.Add("POST", "/v1/riders/me/location",
             Authenticated(identity, {Role::kRider}, [&fleet](const Principal& p, net::Request& req) {
               auto at = ReadPoint(req);
               if (!at.ok()) return api::ErrorResponse(at.error());
               return Reply(fleet.UpdateLocation(p, *at));
             }));
  router.Add("GET", "/v1/riders/me",
             Authenticated(identity, {Role::kRider}, [&fleet](const Principal& p, net::Request&) {
               return Reply(fleet.Get(p.user_id));
             }));
}

}  // namespace hotpath::fleet
