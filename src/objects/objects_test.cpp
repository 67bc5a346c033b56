#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "objects/file_store.h"
#include "objects/object_store.h"
#include "objects/s3_xml.h"
#include "objects/sigv4.h"

namespace hotpath::objects {
namespace {

namespace fs = std::filesystem;

TEST(SigV4, PresignMatchesTheAwsDocumentationExample) {
  // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", worked example.
  PresignRequest r;
  r.scheme = "https";
  r.host = "examplebucket.s3.amazonaws.com";
  r.path = "/test.txt";
  r.region = "us-east-1";
  r.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  r.now = std::chrono::system_clock::from_time_t(1369353600);  // 2013-05-24T00:00:00Z
  r.expires = std::chrono::seconds(86400);
  EXPECT_EQ(PresignGetUrl(r),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, UriEncodeKeepsUnreservedAndOptionallySlashes) {
  EXPECT_EQ(UriEncode("a b/c~d_e.f-g+h", true), "a%20b/c~d_e.f-g%2Bh");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa9", false), "%C3%A9");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Keys, BadKeysAreRefused) {
  EXPECT_TRUE(ValidateKey("assets/ab.png").ok());
  for (const char* bad : {"", "/a", "a/", "a//b", "../x", "a/./b", "a/../b", "a\nb"}) {
    EXPECT_FALSE(ValidateKey(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateKey(std::string(1025, 'a')).ok());
}

TEST(OpenUrl, RefusesMalformedUrlsWithTheReason) {
  EXPECT_FALSE(OpenObjectStore("ftp://x").ok());
  EXPECT_FALSE(OpenObjectStore("file:").ok());
  auto no_bucket = OpenObjectStore("s3://?region=us-east-1");
  ASSERT_FALSE(no_bucket.ok());
  EXPECT_NE(no_bucket.error().message.find("bucket"), std::string::npos);
  auto unknown = OpenObjectStore("s3://b?endpont=http://x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("endpont"), std::string::npos);
  auto small = OpenObjectStore("s3://b?part_size=1000");
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("part_size"), std::string::npos);
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("hotpath-objects-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto store = OpenObjectStore("file:" + root_.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(FileStoreTest, PutGetHeadListDelete) {
  ASSERT_TRUE(store_->Put("assets/b.png", "second", "image/png").ok());
  ASSERT_TRUE(store_->Put("assets/a.png", "first!", "image/png").ok());
  ASSERT_TRUE(store_->Put("other/c", "x", "").ok());
  EXPECT_EQ(*store_->Get("assets/a.png"), "first!");
  ASSERT_TRUE(store_->Put("assets/a.png", "replaced", "image/png").ok());
  EXPECT_EQ(*store_->Get("assets/a.png"), "replaced");
  EXPECT_EQ(store_->Head("assets/a.png")->size, 8);
  auto listed = store_->List("assets/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "assets/a.png");
  EXPECT_EQ((*listed)[1].key, "assets/b.png");
  EXPECT_EQ(store_->List("")->size(), 3u);
  ASSERT_TRUE(store_->Delete("assets/a.png").ok());
  EXPECT_EQ(store_->Get("assets/a.png").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Head("assets/a.png").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->Delete("assets/a.png").ok());  // idempotent, as in S3
  EXPECT_EQ(store_->Get("assets").error().code, ErrorCode::kNotFound);  // a directory is no object
  EXPECT_EQ(store_->Get("../escape").error().code, ErrorCode::kInvalidArgument);
  auto url = store_->PresignGet("other/c", std::chrono::seconds(60));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, "file://" + (fs::absolute(root_) / "other/c").string());
}

TEST(S3Xml, ParsesListingsUploadIdsAndErrors) {
  auto page = s3xml::ParseListObjectsV2(
      R"(<?xml version="1.0"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>)"
      R"(<Contents><Key>a&amp;b</Key><Size>12</Size><ETag>"abc"</ETag></Contents></ListBucketResult>)");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "a&b");
  EXPECT_EQ(page->objects[0].size, 12);
  EXPECT_EQ(page->objects[0].etag, "abc");
  EXPECT_EQ(page->next_token.value_or(""), "t&1");
  EXPECT_FALSE(s3xml::ParseListObjectsV2("not xml").ok());
  EXPECT_EQ(*s3xml::ParseUploadId("<InitiateMultipartUploadResult><UploadId>u1</UploadId>"
                                  "</InitiateMultipartUploadResult>"),
            "u1");
  EXPECT_EQ(s3xml::ErrorSummary("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"), "NoSuchKey: gone");
  EXPECT_EQ(s3xml::CompleteMultipartBody({"\"e1\""}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

}  // namespace
}  // namespace hotpath::objects
