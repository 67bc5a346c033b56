#pragma once
// Restaurant images and the immutable assets they are served as. An upload is checked by content
// (libmagic), size-limited, resized to thumbnails (libvips) and stored under content-hash keys
// ("assets/<sha256>.<ext>") in the ObjectStore, so an asset's URL names its bytes forever and can
// be cached for a year. Each restaurant's images are listed by small JSON manifests beside them
// ("restaurants/<id>/images/<image id>.json"); no database table is involved.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "identity/principal.h"
#include "objects/object_store.h"

namespace hotpath::assets {

struct AssetOptions {
  std::int64_t max_image_bytes = 8 << 20;
  std::vector<int> thumbnail_widths = {160, 480};
  std::string base_url;  // prefix of asset URLs, e.g. "https://cdn.example.com"; empty: relative
};

struct ImageVariant {
  std::string url;
  int width = 0;
  int height = 0;
};

struct ImageRecord {
  std::string id;  // "img_" + the first 24 hex digits of the content hash
  std::string restaurant_id;
  std::string url;
  std::string content_type;
  std::int64_t bytes = 0;
  int width = 0;
  int height = 0;
  std::vector<ImageVariant> thumbnails;
  std::int64_t created_at = 0;  // unix millis
};

struct Asset {
  std::string bytes;
  std::string content_type;
  std::string etag;  // strong: "\"<sha256>\""
};

class AssetService {
 public:
  AssetService(objects::ObjectStore& store, const Clock& clock, AssetOptions options,
               std::function<bool(const std::string&)> restaurant_exists);

  // Staff of the restaurant or an admin (403 otherwise); unknown restaurant 404; empty body 400;
  // over max_image_bytes 413; missing/other declared type or content of another type 415;
  // undecodable 422. Uploading the same bytes again returns the same image.
  Result<ImageRecord> UploadRestaurantImage(const identity::Principal& who, const std::string& restaurant_id,
                                            const std::optional<std::string>& content_type, std::string_view body);
  // Newest first. Unknown restaurant 404.
  Result<std::vector<ImageRecord>> RestaurantImages(const std::string& restaurant_id);
  // `name` is "<64 hex>.<ext>"; anything else, or an asset never stored, is 404.
  Result<Asset> Load(std::string_view name);

 private:
  Result<ImageVariant> StoreVariant(std::string_view bytes, const std::string& mime, const std::string& ext,
                                    int width, int height);

  objects::ObjectStore& store_;
  const Clock& clock_;
  const AssetOptions options_;
  std::function<bool(const std::string&)> restaurant_exists_;
};

}  // namespace hotpath::assets
