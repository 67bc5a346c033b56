#include "catalog/http_handlers.h"

#include "api/edge.h"
#include "catalog/json.h"
#include "identity/guard.h"

namespace hotpath::catalog {
namespace bj = boost::json;
using identity::Principal;
using identity::Role;

namespace {

// True when an If-None-Match header lists `etag` (weak comparison, RFC 9110 13.1.2) or is "*".
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

// A menu from the shared cache: its bytes as stored, an ETag from the version it was stored under
// (every edit makes a new one), 304 when the client already holds that version.
net::Response MenuResponse(const cache::VersionedCache::Near& menu, const std::string& if_none_match) {
  std::string etag;
  if (!menu.version.empty()) etag = "\"" + menu.version + "\"";
  net::Response resp;
  if (!etag.empty() && !if_none_match.empty() && NoneMatchHits(if_none_match, etag)) {
    resp.status = 304;
    resp.content_type.clear();
  } else {
    resp = net::Response::Json(200, menu.value);
  }
  resp.headers.emplace_back("Cache-Control", "no-cache");
  if (!etag.empty()) resp.headers.emplace_back("ETag", std::move(etag));
  return resp;
}

template <typename T, typename F>
net::Response Reply(const Result<T>& r, int status, F to_json) {
  if (!r.ok()) return api::ErrorResponse(r.error());
  return api::JsonResponse(status, to_json(r.value()));
}

net::Response CreateZone(CatalogService& catalog, const Principal& who, net::Request& req) {
  auto body = api::ParseBody(req);
  if (!body.ok()) return api::ErrorResponse(body.error());
  json::FieldErrors errors;
  json::ObjectReader r(*body, errors);
  auto name = r.String("name", true, 1, 100);
  std::vector<geo::Point> polygon;
  if (const auto* arr = r.Array("polygon", true, 1000)) {
    if (arr->size() < 3) r.Fail("polygon", "must have at least 3 points");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      json::ObjectReader p((*arr)[i], errors, r.Child("polygon", i));
      auto lat = p.Number("lat", true, -90, 90);
      auto lon = p.Number("lon", true, -180, 180);
      p.Done();
      if (lat && lon) polygon.push_back({*lat, *lon});
    }
    if (polygon.size() == arr->size() && polygon.size() >= 3 && geo::AreaDegrees2(polygon) < 1e-12) {
      r.Fail("polygon", "must enclose an area (its points are identical or on one line)");
    }
  }
  r.Done();
  if (auto st = errors.ToStatus(); !st.ok()) return api::ErrorResponse(st.error());
  return Reply(catalog.CreateZone(who, *name, std::move(polygon)), 201, ZoneJson);
}

net::Response CreateRestaurant(CatalogService& catalog, const Principal& who, net::Request& req) {
  auto body = api::ParseBody(req);
  if (!body.ok()) return api::ErrorResponse(body.error());
  json::FieldErrors errors;
  json::ObjectReader r(*body, errors);
  auto name = r.String("name", true, 1, 200);
  auto location = json::ReadLatLon(r, "location", true, errors);
  auto zone_id = r.String("zone_id", false, 1, 64);
  r.Done();
  if (auto st = errors.ToStatus(); !st.ok()) return api::ErrorResponse(st.error());
  return Reply(catalog.CreateRestaurant(who, *name, {location->lat, location->lon}, zone_id), 201,
               RestaurantJson);
}

net::Response Nearby(CatalogService& catalog, net::Request& req) {
  auto lat = api::QueryNumber(req, "lat", -90, 90);
  auto lon = api::QueryNumber(req, "lon", -180, 180);
  auto radius = api::QueryNumber(req, "radius_m", 1, 50000);
  auto limit = api::QueryInt(req, "limit", 1, 100);
  for (const Status& st :
       {lat.ok() ? OkStatus() : Status(lat.error()), lon.ok() ? OkStatus() : Status(lon.error()),
        radius.ok() ? OkStatus() : Status(radius.error()), limit.ok() ? OkStatus() : Status(limit.error())}) {
    if (!st.ok()) return api::ErrorResponse(st.error());
  }
  if (!lat->has_value() || !lon->has_value()) {
    return api::ErrorResponse(Error::Invalid("query parameters 'lat' and 'lon' are required",
                                             {{"lat", "is required"}, {"lon", "is required"}}));
  }
  auto text = catalog.NearbyJson({**lat, **lon}, radius->value_or(5000), static_cast<int>(limit->value_or(20)),
                                 req.Query("cursor").value_or(""));
  if (!text.ok()) return api::ErrorResponse(text.error());
  return net::Response::Json(200, *text);
}

net::Response AddItem(CatalogService& catalog, const Principal& who, net::Request& req) {
  auto body = api::ParseBody(req);
  if (!body.ok()) return api::ErrorResponse(body.error());
  json::FieldErrors errors;
  json::ObjectReader r(*body, errors);
  auto name = r.String("name", true, 1, 200);
  auto price = json::ReadMoney(r, "price", true, catalog.currency(), errors);
  auto available = r.Bool("available", false);
  r.Done();
  if (auto st = errors.ToStatus(); !st.ok()) return api::ErrorResponse(st.error());
  return Reply(catalog.AddItem(who, req.Param("id"), *name, *price, available.value_or(true)), 201, ItemJson);
}

net::Response PatchItem(CatalogService& catalog, const Principal& who, net::Request& req) {
  auto body = api::ParseBody(req);
  if (!body.ok()) return api::ErrorResponse(body.error());
  json::FieldErrors errors;
  json::ObjectReader r(*body, errors);
  ItemPatch patch;
  patch.name = r.String("name", false, 1, 200);
  patch.price = json::ReadMoney(r, "price", false, catalog.currency(), errors);
  patch.available = r.Bool("available", false);
  r.Done();
  if (errors.empty() && !patch.name && !patch.price && !patch.available) {
    errors.Add("$", "at least one of name, price, available is required");
  }
  if (auto st = errors.ToStatus(); !st.ok()) return api::ErrorResponse(st.error());
  return Reply(catalog.PatchItem(who, req.Param("id"), req.Param("item_id"), patch), 200, ItemJson);
}

}  // namespace

void RegisterRoutes(net::Router& router, CatalogService& catalog, const identity::IdentityService& identity) {
  using identity::Authenticated;
  router.Add("POST", "/v1/zones",
             Authenticated(identity, {Role::kAdmin}, [&catalog](const Principal& p, net::Request& r) {
               return CreateZone(catalog, p, r);
             }));
  router.Add("GET", "/v1/zones", [&catalog](net::Request&) {
    return Reply(catalog.ListZones(), 200, [](const std::vector<Zone>& zones) {
      bj::array items;
      for (const auto& z : zones) items.push_back(ZoneJson(z));
      return bj::object{{"items", std::move(items)}};
    });
  });
  router.Add("POST", "/v1/restaurants",
             Authenticated(identity, {Role::kAdmin}, [&catalog](const Principal& p, net::Request& r) {
               return CreateRestaurant(catalog, p, r);
             }));
  router.Add("GET", "/v1/restaurants", [&catalog](net::Request& r) { return Nearby(catalog, r); });
  router.Add("GET", "/v1/restaurants/{id}", [&catalog](net::Request& r) {
    return Reply(catalog.GetRestaurant(r.Param("id")), 200, RestaurantJson);
  });
  // Without a shared cache the in-process copy answers at once, on the I/O thread. With one (Redis)
  // the process's near copy is served once a version read that started after the request (shared
  // by concurrent readers) confirms it, without holding a thread meanwhile; otherwise the worker
  // pool reads Redis or the database.
  router.AddNonBlocking("GET", "/v1/restaurants/{id}/menu", [&catalog](net::Request& r) -> net::Response {
    if (!catalog.HasSharedCache()) {
      auto text = catalog.MenuJson(r.Param("id"));
      if (!text.ok()) return api::ErrorResponse(text.error());
      auto resp = net::Response::Json(200, std::move(*text));
      resp.headers.emplace_back("Cache-Control", "no-cache");
      return resp;
    }
    std::string id = r.Param("id");
    std::string if_none_match = r.Header("If-None-Match").value_or("");
    auto slow = [&catalog, id, if_none_match]() {
      auto menu = catalog.MenuNear(id);
      if (!menu.ok()) return api::ErrorResponse(menu.error());
      return MenuResponse(**menu, if_none_match);
    };
    auto near = catalog.PeekMenu(id);
    if (!near) return net::Response::Later([slow](const std::shared_ptr<net::Completion>& c) { c->Offload(slow); });
    return net::Response::Later([&catalog, near, slow, if_none_match](const std::shared_ptr<net::Completion>& c) {
      catalog.RevalidateMenu(near, [c, near, slow, if_none_match](bool fresh) {
        if (fresh) return c->Reply(MenuResponse(*near, if_none_match));
        c->Offload(slow);
      });
    });
  });
  router.Add(
      "POST", "/v1/restaurants/{id}/items",
      Authenticated(identity, {Role::kAdmin, Role::kRestaurant},
                    [&catalog](const Principal& p, net::Request& r) { return AddItem(catalog, p, r); }));
  router.Add(
      "PATCH", "/v1/restaurants/{id}/items/{item_id}",
      Authenticated(identity, {Role::kAdmin, Role::kRestaurant},
                    [&catalog](const Principal& p, net::Request& r) { return PatchItem(catalog, p, r); }));
}

}  // namespace hotpath::catalog
