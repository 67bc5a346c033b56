#include "assets/asset_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "assets/image_codec.h"
#include "objects/sigv4.h"

namespace hotpath::assets {
namespace bj = boost::json;
namespace {

constexpr std::string_view kAssetPrefix = "assets/";

std::string ManifestPrefix(const std::string& restaurant_id) { return "restaurants/" + restaurant_id + "/images/"; }

bj::value ToJson(const ImageRecord& r) {
  bj::array thumbs;
  for (const auto& t : r.thumbnails) thumbs.push_back({{"url", t.url}, {"width", t.width}, {"height", t.height}});
  return {{"id", r.id},         {"restaurant_id", r.restaurant_id}, {"url", r.url},
          {"content_type", r.content_type}, {"bytes", r.bytes},     {"width", r.width},
          {"height", r.height}, {"thumbnails", std::move(thumbs)},  {"created_at", r.created_at}};
}

Result<ImageRecord> FromJson(std::string_view text) {
  try {
    bj::object o = bj::parse(text).as_object();
    ImageRecord r;
    r.id = std::string(o.at("id").as_string());
    r.restaurant_id = std::string(o.at("restaurant_id").as_string());
    r.url = std::string(o.at("url").as_string());
    r.content_type = std::string(o.at("content_type").as_string());
    r.bytes = o.at("bytes").to_number<std::int64_t>();
    r.width = o.at("width").to_number<int>();
    r.height = o.at("height").to_number<int>();
    r.created_at = o.at("created_at").to_number<std::int64_t>();
    for (const auto& t : o.at("thumbnails").as_array()) {
      const auto& to = t.as_object();
      r.thumbnails.push_back({std::string(to.at("url").as_string()), to.at("width").to_number<int>(),
                              to.at("height").to_number<int>()});
    }
    return r;
  } catch (const std::exception& e) {
    return Error::Unavailable(std::string("corrupt image manifest: ") + e.what());
  }
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

AssetService::AssetService(objects::ObjectStore& store, const Clock& clock, AssetOptions options,
                           std::function<bool(const std::string&)> restaurant_exists)
    : store_(store), clock_(clock), options_(std::move(options)), restaurant_exists_(std::move(restaurant_exists)) {
  InitImageLibrary();
}

Result<ImageVariant> AssetService::StoreVariant(std::string_view bytes, const std::string& mime,
                                                const std::string& ext, int width, int height) {
  std::string name = objects::Sha256Hex(bytes) + "." + ext;
  std::string key = std::string(kAssetPrefix) + name;
  // Content-addressed: an existing object already holds exactly these bytes.
  auto existing = store_.Head(key);
  if (!existing.ok()) {
    if (existing.error().code != ErrorCode::kNotFound) return existing.error();
    HP_TRY(store_.Put(key, bytes, mime));
  }
  return ImageVariant{options_.base_url + "/assets/" + name, width, height};
}

Result<ImageRecord> AssetService::UploadRestaurantImage(const identity::Principal& who,
                                                        const std::string& restaurant_id,
                                                        const std::optional<std::string>& content_type,
                                                        std::string_view body) {
  const bool allowed = who.Is(identity::Role::kAdmin) ||
                       (who.Is(identity::Role::kRestaurant) && who.restaurant_id == restaurant_id);
  if (!allowed) return Error::Forbidden("only this restaurant's staff or an admin may upload its images");
  if (!restaurant_exists_(restaurant_id)) return Error::NotFound("no restaurant " + restaurant_id);
  if (body.empty()) return Error::Invalid("the body must be the image's bytes");
  if (static_cast<std::int64_t>(body.size()) > options_.max_image_bytes)
    return Error{ErrorCode::kPayloadTooLarge,
                 fmt::format("images are limited to {} bytes; this one has {}", options_.max_image_bytes, body.size()),
                 {},
                 {}};
  auto declared = content_type ? AcceptedType(*content_type) : std::nullopt;
  if (!declared)
    return Error{ErrorCode::kUnsupportedMedia,
                 fmt::format("Content-Type '{}' is not an accepted image type (image/jpeg, image/png, image/webp, "
                             "image/gif)",
                             content_type.value_or("")),
                 {},
                 {}};
  HP_ASSIGN(auto detected, DetectImageType(body));
  if (detected.mime != declared->mime)
    return Error{ErrorCode::kUnsupportedMedia,
                 fmt::format("Content-Type says {} but the bytes are {}", declared->mime, detected.mime),
                 {},
                 {}};
  ImageRecord r;
  HP_ASSIGN(auto thumbs, MakeThumbnails(body, detected, options_.thumbnail_widths, &r.width, &r.height));
  HP_ASSIGN(auto original, StoreVariant(body, detected.mime, detected.extension, r.width, r.height));
  for (const auto& t : thumbs) {
    HP_ASSIGN(auto v, StoreVariant(t.bytes, t.type.mime, t.type.extension, t.width, t.height));
    r.thumbnails.push_back(std::move(v));
  }
  std::string hash = objects::Sha256Hex(body);
  r.id = "img_" + hash.substr(0, 24);
  r.restaurant_id = restaurant_id;
  r.url = original.url;
  r.content_type = detected.mime;
  r.bytes = static_cast<std::int64_t>(body.size());
  r.created_at = clock_.NowMillis();
  // The manifest goes last: a listed image always has its bytes stored.
  HP_TRY(store_.Put(ManifestPrefix(restaurant_id) + r.id + ".json", bj::serialize(ToJson(r)), "application/json"));
  return r;
}

Result<std::vector<ImageRecord>> AssetService::RestaurantImages(const std::string& restaurant_id) {
  if (!restaurant_exists_(restaurant_id)) return Error::NotFound("no restaurant " + restaurant_id);
  HP_ASSIGN(auto listed, store_.List(ManifestPrefix(restaurant_id)));
  std::vector<ImageRecord> out;
  for (const auto& o : listed) {
    auto text = store_.Get(o.key);
    if (!text.ok()) {
      if (text.error().code == ErrorCode::kNotFound) continue;  // deleted meanwhile
      return text.error();
    }
    HP_ASSIGN(auto record, FromJson(*text));
    out.push_back(std::move(record));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ImageRecord& a, const ImageRecord& b) { return a.created_at > b.created_at; });
  return out;
}

Result<Asset> AssetService::Load(std::string_view name) {
  auto dot = name.find('.');
  if (dot == std::string_view::npos || !IsHex64(name.substr(0, dot))) return Error::NotFound("no such asset");
  std::string_view ext = name.substr(dot + 1);
  std::string mime;
  for (const char* m : {"image/jpeg", "image/png", "image/webp", "image/gif"}) {
    if (AcceptedType(m)->extension == ext) mime = m;
  }
  if (mime.empty()) return Error::NotFound("no such asset");
  auto bytes = store_.Get(std::string(kAssetPrefix) + std::string(name));
  if (!bytes.ok()) {
    if (bytes.error().code == ErrorCode::kNotFound) return Error::NotFound("no such asset");
    return bytes.error();
  }
  return Asset{std::move(bytes).value(), mime, "\"" + std::string(name.substr(0, dot)) + "\""};
}

}  // namespace hotpath::assets
