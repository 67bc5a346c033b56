#include "assets/http_handlers.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/edge.h"
#include "assets/http_range.h"
#include "identity/guard.h"

namespace hotpath::assets {
namespace bj = boost::json;
namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

bj::value ImageJson(const ImageRecord& r) {
  bj::array thumbs;
  for (const auto& t : r.thumbnails) thumbs.push_back({{"url", t.url}, {"width", t.width}, {"height", t.height}});
  return {{"id", r.id},
          {"restaurant_id", r.restaurant_id},
          {"url", r.url},
          {"content_type", r.content_type},
          {"bytes", r.bytes},
          {"width", r.width},
          {"height", r.height},
          {"thumbnails", std::move(thumbs)},
          {"created_at", json::FormatTime(r.created_at)}};
}

}  // namespace

net::Response AssetResponse(const net::Request& request, const Asset& asset) {
  net::Response resp;
  resp.content_type = asset.content_type;
  resp.headers = {{"ETag", asset.etag}, {"Cache-Control", std::string(kImmutable)}, {"Accept-Ranges", "bytes"}};
  if (auto inm = request.Header("If-None-Match"); inm && NoneMatch(*inm, asset.etag)) {
    resp.status = 304;
    return resp;
  }
  auto range = request.Header("Range");
  auto if_range = request.Header("If-Range");
  auto decision = DecideRange(range ? std::optional<std::string_view>(*range) : std::nullopt,
                              if_range ? std::optional<std::string_view>(*if_range) : std::nullopt, asset.etag,
                              asset.bytes.size());
  switch (decision.outcome) {
    case RangeOutcome::kFull:
      resp.status = 200;
      resp.body = asset.bytes;
      break;
    case RangeOutcome::kPartial:
      resp.status = 206;
      resp.body = asset.bytes.substr(decision.range.first, decision.range.last - decision.range.first + 1);
      resp.headers.emplace_back(
          "Content-Range", fmt::format("bytes {}-{}/{}", decision.range.first, decision.range.last, asset.bytes.size()));
      break;
    case RangeOutcome::kUnsatisfiable:
      resp = net::Response::Problem(
          416, net::ProblemBody(416, "https://hotpath.dev/problems/range-not-satisfiable", "Range Not Satisfiable",
                                fmt::format("the asset has {} bytes", asset.bytes.size())));
      resp.headers.emplace_back("Content-Range", fmt::format("bytes */{}", asset.bytes.size()));
      break;
  }
  return resp;
}

void RegisterRoutes(net::Router& router, AssetService& assets, const identity::IdentityService& identity) {
  using identity::Principal;
  router.Add("POST", "/v1/restaurants/{id}/images",
             identity::Authenticated(identity, {}, [&assets](const Principal& who, net::Request& req) {
               auto image = assets.UploadRestaurantImage(who, req.Param("id"), req.Header("Content-Type"), req.body);
               if (!image.ok()) return api::ErrorResponse(image.error());
               auto resp = api::JsonResponse(201, ImageJson(*image));
               resp.headers.emplace_back("Location", image->url);
               return resp;
             }));
  router.Add("GET", "/v1/restaurants/{id}/images", [&assets](net::Request& req) {
    auto images = assets.RestaurantImages(req.Param("id"));
    if (!images.ok()) return api::ErrorResponse(images.error());
    bj::array list;
    for (const auto& i : *images) list.push_back(ImageJson(i));
    return api::JsonResponse(200, bj::object{{"images", std::move(list)}});
  });
  router.Add("GET", "/assets/{name}", [&assets](net::Request& req) {
    auto asset = assets.Load(req.Param("name"));
    if (!asset.ok()) return api::ErrorResponse(asset.error());
    return AssetResponse(req, *asset);
  });
}

}  // namespace hotpath::assets
