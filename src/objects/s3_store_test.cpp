// Integration test of S3ObjectStore against a live S3-compatible server (s3rver, started by
// tests/integration/test_objects_s3.py, which sets OBJECTS_TEST_S3_URL and the AWS_* credentials).
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "objects/object_store.h"

namespace hotpath::objects {
namespace {

std::string Url() {
  const char* url = std::getenv("OBJECTS_TEST_S3_URL");
  return url ? url : "";
}

std::unique_ptr<ObjectStore> Open(const std::string& url) {
  auto store = OpenObjectStore(url);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(store).value() : nullptr;
}

std::pair<long, std::string> PlainGet(const std::string& url) {
  CURL* h = curl_easy_init();
  std::string body;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char* d, std::size_t s, std::size_t n, void* u) {
    static_cast<std::string*>(u)->append(d, s * n);
    return s * n;
  });
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return {status, body};
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Url().empty()) << "OBJECTS_TEST_S3_URL is not set (run tests/integration/test_objects_s3.py)";
    store_ = Open(Url());
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(S3StoreTest, PutGetHeadListDelete) {
  ASSERT_TRUE(store_->Put("crud/b.txt", "bee", "text/plain").ok());
  auto put = store_->Put("crud/a b+c.txt", "hello s3", "text/plain");
  ASSERT_TRUE(put.ok()) << put.error().message;
  auto got = store_->Get("crud/a b+c.txt");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, "hello s3");
  auto head = store_->Head("crud/a b+c.txt");
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, 8);
  EXPECT_EQ(head->content_type, "text/plain");
  EXPECT_FALSE(head->etag.empty());
  auto listed = store_->List("crud/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "crud/a b+c.txt");
  EXPECT_EQ((*listed)[1].key, "crud/b.txt");
  EXPECT_EQ((*listed)[1].size, 3);
  ASSERT_TRUE(store_->Delete("crud/a b+c.txt").ok());
  EXPECT_EQ(store_->Get("crud/a b+c.txt").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Head("crud/a b+c.txt").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->Delete("crud/a b+c.txt").ok());
  EXPECT_EQ(store_->List("crud/")->size(), 1u);
}

TEST_F(S3StoreTest, LargeObjectsGoUpInPartsAndComeBackWhole) {
  auto store = Open(Url() + "&part_size=5242880");
  ASSERT_NE(store, nullptr);
  std::string data(11 << 20, '\0');  // three parts: 5 + 5 + 1 MiB
  std::mt19937 rng(7);
  for (auto& ch : data) ch = static_cast<char>(rng());
  auto put = store->Put("big/blob.bin", data, "application/octet-stream");
  ASSERT_TRUE(put.ok()) << put.error().message;
  auto got = store->Get("big/blob.bin");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->size(), data.size());
  EXPECT_TRUE(*got == data);
  // (That it went up in three parts is checked by the Python driver in s3rver's request log.)
}

// s3rver checks the access key of a presigned URL but not its V4 signature; the signature itself
// is checked against AWS's worked example in objects_test.cpp.
TEST_F(S3StoreTest, PresignedUrlsWorkWithoutCredentials) {
  ASSERT_TRUE(store_->Put("shared/menu.json", R"({"ok":true})", "application/json").ok());
  auto url = store_->PresignGet("shared/menu.json", std::chrono::seconds(300));
  ASSERT_TRUE(url.ok()) << url.error().message;
  auto [status, body] = PlainGet(*url);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, R"({"ok":true})");
  std::string other = *url;
  other.replace(other.find("menu.json"), 9, "menu.jsom");
  EXPECT_EQ(PlainGet(other).first, 404);
  std::string unplain = *url;
  unplain.replace(unplain.find("Credential=") + 11, 1, "X");
  EXPECT_EQ(PlainGet(unplain).first, 403);
  EXPECT_FALSE(store_->PresignGet("shared/menu.json", std::chrono::seconds(0)).ok());
}

TEST_F(S3StoreTest, WrongCredentialsAndDeadEndpointsAreUnavailableNotFound) {
  std::string key = std::getenv("AWS_ACCESS_KEY_ID");
  setenv("AWS_ACCESS_KEY_ID", "NOSUCHKEY", 1);
  auto wrong = Open(Url());
  setenv("AWS_ACCESS_KEY_ID", key.c_str(), 1);
  ASSERT_NE(wrong, nullptr);
  auto put = wrong->Put("denied/never", "x", "text/plain");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(put.error().message.find("403"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("InvalidAccessKeyId"), std::string::npos) << put.error().message;
  EXPECT_EQ(store_->Get("denied/never").error().code, ErrorCode::kNotFound);

  auto dead = Open("s3://bucket?endpoint=http://127.0.0.1:1&region=us-east-1");
  ASSERT_NE(dead, nullptr);
  auto got = dead->Get("x");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace hotpath::objects
