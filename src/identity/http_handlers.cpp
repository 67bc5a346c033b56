#include "identity/http_handlers.h"

#include "api/edge.h"

namespace hotpath::identity {
namespace bj = boost::json;

bj::object UserJson(const User& u) {
  bj::object o{{"id", u.id},
               {"email", u.email},
               {"name", u.name},
               {"role", RoleName(u.role)},
               {"created_at", json::FormatTime(u.created_at)}};
  if (!u.restaurant_id.empty()) o["restaurant_id"] = u.restaurant_id;
  return o;
}

namespace {

bj::value SessionJson(const Session& s) { return bj::object{{"user", UserJson(s.user)}, {"token", s.token}}; }

Result<NewUser> ReadNewUser(const net::Request& req, bool with_role) {
  HP_ASSIGN(auto body, api::ParseBody(req));
  json::FieldErrors errors;
  json::ObjectReader r(body, errors);
  NewUser u;
  u.email = r.String("email", true, 3, 254).value_or("");
  u.password = r.String("password", true, 1, 1024).value_or("");
  u.name = r.String("name", true, 1, 100).value_or("");
  if (with_role) {
    auto role = r.String("role", true, 1, 20);
    if (role) {
      if (auto parsed = ParseRole(*role)) {
        u.role = *parsed;
      } else {
        r.Fail("role", "must be one of customer, restaurant, rider, admin");
      }
    }
    u.restaurant_id = r.String("restaurant_id", false, 1, 64).value_or("");
  }
  r.Done();
  HP_TRY(errors.ToStatus());
  HP_TRY(ValidateNewUser(u));
  return u;
}

}  // namespace

void RegisterRoutes(net::Router& router, IdentityService& service) {
  router.Add("POST", "/v1/auth/signup", [&service](net::Request& req) {
    auto u = ReadNewUser(req, false);
    if (!u.ok()) return api::ErrorResponse(u.error());
    auto s = service.Signup(std::move(u).value());
    if (!s.ok()) return api::ErrorResponse(s.error());
    return api::JsonResponse(201, SessionJson(*s));
  });

  router.Add("POST", "/v1/auth/login", [&service](net::Request& req) {
    auto body = api::ParseBody(req);
    if (!body.ok()) return api::ErrorResponse(body.error());
    json::FieldErrors errors;
    json::ObjectReader r(*body, errors);
    auto email = r.String("email", true, 1, 254);
    auto password = r.String("password", true, 1, 1024);
    r.Done();
    if (auto st = errors.ToStatus(); !st.ok()) return api::ErrorResponse(st.error());
    auto s = service.Login(*email, *password);
    if (!s.ok()) return api::ErrorResponse(s.error());
    return api::JsonResponse(200, SessionJson(*s));
  });

  router.Add("POST", "/v1/auth/logout", [&service](net::Request& req) {
    auto who = service.Authenticate(req);
    if (!who.ok()) return api::ErrorResponse(who.error());
    if (auto st = service.Logout(*who); !st.ok()) return api::ErrorResponse(st.error());
    return net::Response::Json(204, "");
  });

  router.Add("POST", "/v1/users", [&service](net::Request& req) {
    auto who = service.Authenticate(req);
    if (!who.ok()) return api::ErrorResponse(who.error());
    if (auto st = RequireRole(*who, {Role::kAdmin}); !st.ok()) return api::ErrorResponse(st.error());
    auto u = ReadNewUser(req, true);
    if (!u.ok()) return api::ErrorResponse(u.error());
    auto created = service.Create(*who, std::move(u).value());
    if (!created.ok()) return api::ErrorResponse(created.error());
    return api::JsonResponse(201, UserJson(*created));
  });

  router.Add("GET", "/v1/users/me", [&service](net::Request& req) {
    auto who = service.Authenticate(req);
    if (!who.ok()) return api::ErrorResponse(who.error());
    auto u = service.Get(who->user_id);
    if (!u.ok()) return api::ErrorResponse(u.error());
    return api::JsonResponse(200, UserJson(*u));
  });
}

}  // namespace hotpath::identity
