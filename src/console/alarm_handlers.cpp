#include "console/alarm_handlers.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>

#include "api/edge.h"
#include "identity/guard.h"

namespace hotpath::console {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

void RegisterAlarmRoutes(net::Router& router, ops::AlarmService& alarms, const identity::IdentityService& identity) {
  using identity::Authenticated;
  router.Add("GET", "/v1/alarms", Authenticated(identity, {Role::kAdmin}, [&alarms](const Principal&, net::Request& req) {
               std::optional<ops::AlarmState> only;
               if (auto s = req.Query("state")) {
                 only = ops::ParseAlarmState(*s);
                 if (!only)
                   return api::ErrorResponse(Error::Invalid("unknown alarm state",
                                                            {{"state", "must be OK, ALARM or INSUFFICIENT_DATA"}}));
               }
               bj::array items;
               for (const auto& a : alarms.List()) {
                 if (!only || a.state == *only) items.push_back(ops::AlarmStatusToJson(a));
               }
               return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
             }));

  router.Add("GET", "/v1/alarms/{name}",
             Authenticated(identity, {Role::kAdmin}, [&alarms](const Principal&, net::Request& req) {
               auto a = alarms.Get(req.Param("name"));
               if (!a.ok()) return api::ErrorResponse(a.error());
               return api::JsonResponse(200, ops::AlarmStatusToJson(*a));
             }));

  router.Add("PUT", "/v1/alarms/{name}",
             Authenticated(identity, {Role::kAdmin}, [&alarms](const Principal&, net::Request& req) {
               const std::string& name = req.Param("name");
               if (auto st = ops::ValidateAlarmName(name); !st.ok()) return api::ErrorResponse(st.error());
               auto body = api::ParseBody(req);
               if (!body.ok()) return api::ErrorResponse(body.error());
               auto def = ops::ParseAlarm(*body, name);
               if (!def.ok()) return api::ErrorResponse(def.error());
               auto created = alarms.Put(std::move(*def));
               if (!created.ok()) return api::ErrorResponse(created.error());
               auto status = alarms.Get(name);
               if (!status.ok()) return api::ErrorResponse(status.error());  // deleted meanwhile
               auto resp = api::JsonResponse(*created ? 201 : 200, ops::AlarmStatusToJson(*status));
               if (*created) resp.headers.emplace_back("Location", "/v1/alarms/" + name);
               return resp;
             }));

  router.Add("DELETE", "/v1/alarms/{name}",
             Authenticated(identity, {Role::kAdmin}, [&alarms](const Principal&, net::Request& req) {
               if (auto st = alarms.Delete(req.Param("name")); !st.ok()) return api::ErrorResponse(st.error());
               net::Response r;
               r.status = 204;
               r.content_type.clear();
               return r;
             }));

  router.Add("GET", "/v1/alarms/{name}/history",
             Authenticated(identity, {Role::kAdmin}, [&alarms](const Principal&, net::Request& req) {
               auto history = alarms.History(req.Param("name"));
               if (!history.ok()) return api::ErrorResponse(history.error());
               bj::array items;
               for (const auto& h : *history) items.push_back(ops::AlarmHistoryToJson(h));
               return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
             }));
}

}  // namespace hotpath::console
