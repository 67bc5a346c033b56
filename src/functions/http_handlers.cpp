#include "functions/http_handlers.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <memory>

#include "api/edge.h"
#include "core/json.h"
#include "events/cloud_event.h"
#include "identity/guard.h"

namespace hotpath::functions {
namespace bj = boost::json;

namespace {

Result<Millis> TimeParam(const net::Request& req, const std::string& name) {
  auto v = req.Query(name);
  if (!v || v->empty())
    return Error::Invalid(fmt::format("the {} query parameter is required (RFC 3339)", name), {{name, "is required"}});
  auto t = events::ParseRfc3339(*v);
  if (!t.ok())
    return Error::Invalid(fmt::format("{} is not an RFC 3339 time: {}", name, t.error().message),
                          {{name, "must be an RFC 3339 time like 2026-11-25T10:00:00Z"}});
  return *t;
}

bj::value Minutes(double v, std::int64_t samples) { return samples > 0 ? bj::value(v) : bj::value(nullptr); }

bj::object ReportJson(const ZoneReport& r) {
  bj::array minutes;
  for (const auto& m : r.minutes)
    minutes.push_back(bj::object{{"at", json::FormatTime(m.at)},
                                 {"placed", m.placed},
                                 {"delivered", m.delivered},
                                 {"cancelled", m.cancelled}});
  const auto n = r.click_to_door_samples;
  return bj::object{
      {"zone_id", r.zone_id},
      {"from", json::FormatTime(r.from)},
      {"to", json::FormatTime(r.to)},
      {"totals", bj::object{{"placed", r.totals.placed},
                            {"delivered", r.totals.delivered},
                            {"cancelled", r.totals.cancelled},
                            {"click_to_door_minutes", bj::object{{"mean", Minutes(r.click_to_door_mean, n)},
                                                                 {"p50", Minutes(r.click_to_door_p50, n)},
                                                                 {"p90", Minutes(r.click_to_door_p90, n)},
                                                                 {"count", n}}}}},
      {"minutes", std::move(minutes)}};
}

bj::object ChannelJson(const Channel& c) {
  return bj::object{{"id", c.id}, {"kind", c.kind}, {"target", c.target}, {"created_at", json::FormatTime(c.created_at)}};
}

void RegisterChannelRoutes(net::Router& router, ChannelStore& channels, const identity::IdentityService& identity) {
  using identity::Authenticated;
  router.Add("GET", "/v1/me/notification-channels",
             Authenticated(identity, {}, [&channels](const identity::Principal& who, net::Request&) {
               auto list = channels.List(who.user_id);
               if (!list.ok()) return api::ErrorResponse(list.error());
               bj::array items;
               for (const auto& c : *list) items.push_back(ChannelJson(c));
               return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
             }));
  router.Add("POST", "/v1/me/notification-channels",
             Authenticated(identity, {}, [&channels](const identity::Principal& who, net::Request& req) {
               auto body = api::ParseBody(req);
               if (!body.ok()) return api::ErrorResponse(body.error());
               json::FieldErrors errors;
               json::ObjectReader r(*body, errors);
               NewChannel ch;
               ch.kind = r.String("kind", true, 1, 20).value_or("");
               ch.target = r.String("target", true, 1, 5000).value_or("");
               ch.secret = r.String("secret", false, 1, 1000).value_or("");
               r.Done();
               if (!errors.empty()) return api::ErrorResponse(errors.ToStatus().error());
               auto added = channels.Add(who.user_id, ch);
               if (!added.ok()) return api::ErrorResponse(added.error());
               return api::JsonResponse(201, ChannelJson(*added));
             }));
  router.Add("DELETE", "/v1/me/notification-channels/{id}",
             Authenticated(identity, {}, [&channels](const identity::Principal& who, net::Request& req) {
               auto st = channels.Remove(who.user_id, req.Param("id"));
               if (!st.ok()) return api::ErrorResponse(st.error());
               return net::Response::Json(204, "");
             }));
}

bj::object FunctionJson(const FunctionSpec& spec, const Control& control, const Runtime* runtime) {
  bj::array topics;
  for (const auto& t : spec.topics) topics.push_back(bj::string(t));
  bj::value lag = nullptr;
  bool paused = control.paused;
  if (runtime) {
    for (const auto& f : runtime->List()) {
      if (f.spec.name != spec.name) continue;
      if (f.lag >= 0) lag = f.lag;
      paused = f.paused;
    }
  }
  return bj::object{{"name", spec.name},
                    {"topics", std::move(topics)},
                    {"state", paused ? "paused" : "running"},
                    {"lag", lag},
                    {"concurrency", spec.concurrency},
                    {"max_attempts", spec.max_attempts},
                    {"changed_at", control.changed_at > 0 ? bj::value(json::FormatTime(control.changed_at)) : nullptr},
                    {"changed_by", control.changed_by.empty() ? bj::value(nullptr) : bj::value(control.changed_by)}};
}

}  // namespace

void RegisterControlRoutes(net::Router& router, Controls& controls, std::vector<FunctionSpec> specs,
                           std::function<Runtime*()> runtime, const identity::IdentityService& identity) {
  using identity::Authenticated;
  using identity::Role;
  auto shared = std::make_shared<const std::vector<FunctionSpec>>(std::move(specs));
  router.Add("GET", "/v1/functions",
             Authenticated(identity, {Role::kAdmin}, [&controls, shared, runtime](const identity::Principal&, net::Request&) {
               auto recorded = controls.List();
               if (!recorded.ok()) return api::ErrorResponse(recorded.error());
               bj::array items;
               for (const auto& spec : *shared) {
                 auto it = recorded->find(spec.name);
                 items.push_back(FunctionJson(spec, it == recorded->end() ? Control{} : it->second, runtime()));
               }
               return api::JsonResponse(200, bj::object{{"items", std::move(items)}});
             }));
  for (bool pause : {true, false}) {
    router.Add("POST", pause ? "/v1/functions/{name}/pause" : "/v1/functions/{name}/resume",
               Authenticated(identity, {Role::kAdmin},
                             [&controls, shared, runtime, pause](const identity::Principal& who, net::Request& req) {
                               const std::string name = req.Param("name");
                               auto spec = std::find_if(shared->begin(), shared->end(),
                                                        [&](const FunctionSpec& s) { return s.name == name; });
                               if (spec == shared->end())
                                 return api::ErrorResponse(Error::NotFound(fmt::format("no function named '{}'", name)));
                               auto control = controls.Set(name, pause, who.user_id);
                               if (!control.ok()) return api::ErrorResponse(control.error());
                               Runtime* rt = runtime();
                               if (rt) {
                                 if (auto st = rt->SetPaused(name, pause); !st.ok()) return api::ErrorResponse(st.error());
                               }
                               return api::JsonResponse(200, FunctionJson(*spec, *control, rt));
                             }));
  }
}

void RegisterRoutes(net::Router& router, Analytics& analytics, ChannelStore& channels,
                    const identity::IdentityService& identity,
                    std::function<Result<bool>(const std::string&)> zone_exists) {
  RegisterChannelRoutes(router, channels, identity);
  router.Add("GET", "/v1/analytics/zones/{id}",
             identity::Authenticated(identity, {identity::Role::kAdmin},
                                     [&analytics, zone_exists](const identity::Principal&, net::Request& req) {
                                       auto from = TimeParam(req, "from");
                                       if (!from.ok()) return api::ErrorResponse(from.error());
                                       auto to = TimeParam(req, "to");
                                       if (!to.ok()) return api::ErrorResponse(to.error());
                                       const std::string zone = req.Param("id");
                                       auto known = zone_exists(zone);
                                       if (!known.ok()) return api::ErrorResponse(known.error());
                                       if (!*known)
                                         return api::ErrorResponse(
                                             Error::NotFound(fmt::format("no zone with id '{}'", zone)));
                                       auto report = analytics.Query(zone, *from, *to);
                                       if (!report.ok()) return api::ErrorResponse(report.error());
                                       return api::JsonResponse(200, ReportJson(*report));
                                     }));
}

}  // namespace hotpath::functions
