#include <gtest/gtest.h>
#include <vips/vips.h>

#include <filesystem>

#include "assets/asset_service.h"
#include "assets/http_handlers.h"
#include "assets/http_range.h"
#include "assets/image_codec.h"
#include "objects/file_store.h"
#include "objects/sigv4.h"

namespace hotpath::assets {
namespace {

namespace fs = std::filesystem;
using identity::Principal;
using identity::Role;

// A width x height RGB image with a diagonal gradient, encoded by libvips (".png", ".jpg", ...).
std::string MakeImage(int width, int height, const char* suffix) {
  InitImageLibrary();
  VipsImage* xy = nullptr;
  EXPECT_EQ(vips_xyz(&xy, width, height, nullptr), 0);
  VipsImage* sum = nullptr;
  VipsImage* bands[2] = {nullptr, nullptr};
  EXPECT_EQ(vips_extract_band(xy, &bands[0], 0, nullptr), 0);
  EXPECT_EQ(vips_extract_band(xy, &bands[1], 1, nullptr), 0);
  vips_add(bands[0], bands[1], &sum, nullptr);
  VipsImage* rgb = nullptr;
  VipsImage* parts[3] = {sum, sum, sum};
  vips_bandjoin(parts, &rgb, 3, nullptr);
  VipsImage* u8 = nullptr;
  vips_cast_uchar(rgb, &u8, nullptr);
  void* buf = nullptr;
  std::size_t len = 0;
  EXPECT_EQ(vips_image_write_to_buffer(u8, suffix, &buf, &len, nullptr), 0) << vips_error_buffer();
  std::string out(static_cast<char*>(buf), len);
  g_free(buf);
  for (VipsImage* i : {xy, bands[0], bands[1], sum, rgb, u8}) g_object_unref(i);
  return out;
}

TEST(Range, DecisionsFollowRfc9110) {
  const std::string etag = "\"abc\"";
  EXPECT_EQ(DecideRange(std::nullopt, std::nullopt, etag, 100).outcome, RangeOutcome::kFull);
  auto d = DecideRange("bytes=10-19", std::nullopt, etag, 100);
  EXPECT_EQ(d.outcome, RangeOutcome::kPartial);
  EXPECT_EQ(d.range.first, 10u);
  EXPECT_EQ(d.range.last, 19u);
  d = DecideRange("bytes=90-", std::nullopt, etag, 100);
  EXPECT_EQ(d.range.first, 90u);
  EXPECT_EQ(d.range.last, 99u);
  d = DecideRange("bytes=-30", std::nullopt, etag, 100);
  EXPECT_EQ(d.range.first, 70u);
  d = DecideRange("bytes=-300", std::nullopt, etag, 100);
  EXPECT_EQ(d.range.first, 0u);
  d = DecideRange("bytes=50-1000", std::nullopt, etag, 100);
  EXPECT_EQ(d.range.last, 99u);
  EXPECT_EQ(DecideRange("bytes=100-", std::nullopt, etag, 100).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(DecideRange("bytes=-0", std::nullopt, etag, 100).outcome, RangeOutcome::kUnsatisfiable);
  // Ignored (answered in full): several ranges, another unit, garbage, last < first, If-Range mismatch.
  for (const char* ignored : {"bytes=0-1,5-6", "items=0-1", "bytes=x-1", "bytes=9-3", "bytes"}) {
    EXPECT_EQ(DecideRange(ignored, std::nullopt, etag, 100).outcome, RangeOutcome::kFull) << ignored;
  }
  EXPECT_EQ(DecideRange("bytes=0-1", "\"other\"", etag, 100).outcome, RangeOutcome::kFull);
  EXPECT_EQ(DecideRange("bytes=0-1", "\"abc\"", etag, 100).outcome, RangeOutcome::kPartial);
}

TEST(Range, IfNoneMatchListsAndWildcards) {
  EXPECT_TRUE(NoneMatch("\"abc\"", "\"abc\""));
  EXPECT_TRUE(NoneMatch("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(NoneMatch("*", "\"abc\""));
  EXPECT_FALSE(NoneMatch("\"abd\"", "\"abc\""));
  EXPECT_FALSE(NoneMatch("", "\"abc\""));
}

TEST(Codec, TypesComeFromTheBytes) {
  EXPECT_EQ(DetectImageType(MakeImage(8, 8, ".png"))->extension, "png");
  EXPECT_EQ(DetectImageType(MakeImage(8, 8, ".jpg"))->extension, "jpg");
  EXPECT_EQ(DetectImageType(MakeImage(8, 8, ".webp"))->mime, "image/webp");
  auto text = DetectImageType("just some text, not an image");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, ErrorCode::kUnsupportedMedia);
  EXPECT_NE(text.error().message.find("text/plain"), std::string::npos);
  EXPECT_EQ(AcceptedType("IMAGE/PNG; q=1")->extension, "png");
  EXPECT_FALSE(AcceptedType("image/svg+xml"));
}

TEST(Codec, ThumbnailsFitTheWidthAndNeverEnlarge) {
  int w = 0, h = 0;
  auto thumbs = MakeThumbnails(MakeImage(640, 480, ".jpg"), {"image/jpeg", "jpg"}, {160, 1000}, &w, &h);
  ASSERT_TRUE(thumbs.ok()) << thumbs.error().message;
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 480);
  ASSERT_EQ(thumbs->size(), 2u);
  EXPECT_EQ((*thumbs)[0].width, 160);
  EXPECT_EQ((*thumbs)[0].height, 120);
  EXPECT_EQ(DetectImageType((*thumbs)[0].bytes)->mime, "image/jpeg");
  EXPECT_EQ((*thumbs)[1].width, 640);
  std::string png = MakeImage(64, 64, ".png");
  std::string broken = png.substr(0, png.size() / 2);
  auto bad = MakeThumbnails(broken, {"image/png", "png"}, {32}, &w, &h);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kUnprocessable);
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("hotpath-assets-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    store_ = std::move(objects::FileObjectStore::Open(root_)).value();
    AssetOptions opts;
    opts.max_image_bytes = 200000;
    service_ = std::make_unique<AssetService>(*store_, clock_, opts,
                                              [](const std::string& id) { return id == "rst_1" || id == "rst_2"; });
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  ManualClock clock_{1700000000000};
  std::unique_ptr<objects::FileObjectStore> store_;
  std::unique_ptr<AssetService> service_;
  Principal admin_{"usr_a", Role::kAdmin, ""};
  Principal staff1_{"usr_s", Role::kRestaurant, "rst_1"};
};

TEST_F(ServiceTest, UploadStoresContentAddressedOriginalAndThumbnails) {
  std::string png = MakeImage(600, 300, ".png");
  auto r = service_->UploadRestaurantImage(staff1_, "rst_1", "image/png", png);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->width, 600);
  ASSERT_EQ(r->thumbnails.size(), 2u);
  EXPECT_EQ(r->thumbnails[0].width, 160);
  EXPECT_EQ(r->thumbnails[1].width, 480);
  EXPECT_EQ(r->url, "/assets/" + objects::Sha256Hex(png) + ".png");
  auto loaded = service_->Load(r->url.substr(8));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->bytes, png);
  EXPECT_EQ(loaded->etag, "\"" + objects::Sha256Hex(png) + "\"");
  auto again = service_->UploadRestaurantImage(admin_, "rst_1", "image/png", png);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, r->id);
  EXPECT_EQ(service_->RestaurantImages("rst_1")->size(), 1u);
  EXPECT_EQ(service_->RestaurantImages("rst_2")->size(), 0u);
}

TEST_F(ServiceTest, RefusalsAreTyped) {
  std::string png = MakeImage(32, 32, ".png");
  Principal customer{"usr_c", Role::kCustomer, ""};
  EXPECT_EQ(service_->UploadRestaurantImage(customer, "rst_1", "image/png", png).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(service_->UploadRestaurantImage(staff1_, "rst_2", "image/png", png).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_9", "image/png", png).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_1", "image/png", "").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_1", "image/png", std::string(200001, 'x')).error().code,
            ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_1", std::nullopt, png).error().code,
            ErrorCode::kUnsupportedMedia);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_1", "image/jpeg", png).error().code,
            ErrorCode::kUnsupportedMedia);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_1", "image/png", "%PDF-1.4 not an image").error().code,
            ErrorCode::kUnsupportedMedia);
  EXPECT_EQ(service_->UploadRestaurantImage(admin_, "rst_1", "image/png", png.substr(0, 50)).error().code,
            ErrorCode::kUnprocessable);
  EXPECT_TRUE(store_->List("")->empty()) << "nothing stored for refused uploads";
  for (const char* name : {"x.png", "../etc.png", "", std::string(64, 'a').append(".exe").c_str()}) {
    EXPECT_EQ(service_->Load(name).error().code, ErrorCode::kNotFound) << name;
  }
  EXPECT_EQ(service_->Load(std::string(64, 'a') + ".png").error().code, ErrorCode::kNotFound);
}

TEST(AssetResponse, ConditionalAndRangeAnswers) {
  Asset a{"0123456789", "image/png", "\"h\""};
  net::Request req;
  auto full = AssetResponse(req, a);
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(full.body, a.bytes);
  req.headers = {{"If-None-Match", "\"h\""}};
  EXPECT_EQ(AssetResponse(req, a).status, 304);
  req.headers = {{"Range", "bytes=2-4"}};
  auto part = AssetResponse(req, a);
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "234");
  req.headers = {{"Range", "bytes=10-"}};
  auto none = AssetResponse(req, a);
  EXPECT_EQ(none.status, 416);
  bool has_range = false;
  for (const auto& [k, v] : none.headers) has_range |= (k == "Content-Range" && v == "bytes */10");
  EXPECT_TRUE(has_range);
}

}  // namespace
}  // namespace hotpath::assets
