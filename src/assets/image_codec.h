#pragma once
// Image content checks and thumbnails. The type comes from the bytes (libmagic), never from the
// client's Content-Type; thumbnails are made by libvips (shrink-on-load, fit to a width, never
// enlarged). Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hotpath::assets {

struct ImageType {
  std::string mime;       // "image/png"
  std::string extension;  // "png"
};

// The accepted types: JPEG, PNG, WebP, GIF. Anything else is kUnsupportedMedia naming what it is.
Result<ImageType> DetectImageType(std::string_view bytes);
// The accepted type for a MIME type (parameters ignored, case-insensitive), if any.
std::optional<ImageType> AcceptedType(std::string_view mime);

struct EncodedImage {
  std::string bytes;
  ImageType type;
  int width = 0;
  int height = 0;
};

// Decodes `bytes` (reporting its size) and encodes one thumbnail per width, in the same format
// (GIF thumbnails are PNG). A body that claims an image type but does not decode is kUnprocessable.
Result<std::vector<EncodedImage>> MakeThumbnails(std::string_view bytes, const ImageType& type,
                                                 const std::vector<int>& widths, int* width, int* height);

// Starts libvips once per process (idempotent).
void InitImageLibrary();

}  // namespace hotpath::assets
