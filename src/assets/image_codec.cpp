#include "assets/image_codec.h"

#include <fmt/format.h>
#include <magic.h>
#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

namespace hotpath::assets {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kAccepted = {{
    {"image/jpeg", "jpg"},
    {"image/png", "png"},
    {"image/webp", "webp"},
    {"image/gif", "gif"},
}};

struct MagicClose {
  void operator()(magic_set* m) const { magic_close(m); }
};

// libmagic handles are not thread-safe; loading the database costs a few milliseconds, so each
// thread keeps one.
magic_t ThreadMagic() {
  thread_local std::unique_ptr<magic_set, MagicClose> handle = [] {
    std::unique_ptr<magic_set, MagicClose> m(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR));
    if (m && magic_load(m.get(), nullptr) != 0) m.reset();
    return m;
  }();
  return handle.get();
}

struct Unref {
  void operator()(VipsImage* i) const { g_object_unref(i); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

std::string VipsError() {
  std::string e = vips_error_buffer();
  vips_error_clear();
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  return e.empty() ? "unknown libvips error" : e;
}

}  // namespace

void InitImageLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("hotpath") != 0) return;
    vips_concurrency_set(1);  // requests already run in parallel; no pool of pools
    vips_cache_set_max(0);    // every upload is new: caching operations only holds memory
  });
}

std::optional<ImageType> AcceptedType(std::string_view mime) {
  std::string m(mime.substr(0, mime.find(';')));
  while (!m.empty() && m.back() == ' ') m.pop_back();
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  if (m == "image/jpg") m = "image/jpeg";
  for (const auto& [type, ext] : kAccepted) {
    if (m == type) return ImageType{std::string(type), std::string(ext)};
  }
  return std::nullopt;
}

Result<ImageType> DetectImageType(std::string_view bytes) {
  magic_t m = ThreadMagic();
  if (m == nullptr) return Error::Unavailable("libmagic database cannot be loaded");
  const char* found = magic_buffer(m, bytes.data(), bytes.size());
  std::string mime = found ? found : "application/octet-stream";
  auto accepted = AcceptedType(mime);
  if (!accepted) {
    return Error{ErrorCode::kUnsupportedMedia,
                 fmt::format("the body is {}, not an image of an accepted type (JPEG, PNG, WebP, GIF)", mime),
                 {},
                 {}};
  }
  return *accepted;
}

Result<std::vector<EncodedImage>> MakeThumbnails(std::string_view bytes, const ImageType& type,
                                                 const std::vector<int>& widths, int* width, int* height) {
  InitImageLibrary();
  // Decoders tolerate damage by default (a truncated PNG decodes with black rows); here a damaged
  // upload is refused, so the whole image is decoded once with failures on truncation.
  Image source(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr));
  double mean = 0;
  if (!source || vips_avg(source.get(), &mean, nullptr) != 0)
    return Error::Unprocessable("the image cannot be decoded: " + VipsError());
  *width = vips_image_get_width(source.get());
  *height = vips_image_get_height(source.get());
  const ImageType out_type = type.extension == "gif" ? ImageType{"image/png", "png"} : type;
  const std::string suffix = "." + out_type.extension;
  std::vector<EncodedImage> out;
  for (int w : widths) {
    VipsImage* raw = nullptr;
    // Height bound far beyond any width-fitted image; VIPS_SIZE_DOWN never enlarges small images.
    if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &raw, w, "height", 100000, "size",
                              VIPS_SIZE_DOWN, nullptr) != 0)
      return Error::Unprocessable("the image cannot be decoded: " + VipsError());
    Image thumb(raw);
    void* buf = nullptr;
    std::size_t len = 0;
    if (vips_image_write_to_buffer(thumb.get(), suffix.c_str(), &buf, &len, nullptr) != 0)
      return Error::Unprocessable("the image cannot be re-encoded: " + VipsError());
    EncodedImage e{std::string(static_cast<const char*>(buf), len), out_type, vips_image_get_width(thumb.get()),
                   vips_image_get_height(thumb.get())};
    g_free(buf);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace hotpath::assets
