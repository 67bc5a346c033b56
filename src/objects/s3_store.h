#pragma once
// An S3-compatible object store over the S3 REST API (path-style requests), each request signed
// with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4). Objects larger than `part_size` go up as a
// multipart upload (initiate, parts, complete; aborted on failure so no orphan parts remain).
// Presigned GET URLs are signed here (sigv4.h). Thread-safe: one curl handle per request.

#include <cstddef>

#include "objects/object_store.h"
#include "objects/sigv4.h"

namespace hotpath::objects {

struct S3Options {
  std::string bucket;
  std::string endpoint;  // "http://127.0.0.1:4568" (no trailing slash)
  std::string region = "us-east-1";
  Credentials credentials;
  std::size_t part_size = 8u << 20;  // >= 5 MiB (S3's minimum for all but the last part)
  long timeout_s = 60;
};

class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Options options);

  Status Put(const std::string& key, std::string_view data, const std::string& content_type) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Result<std::string> PresignGet(const std::string& key, std::chrono::seconds ttl) override;
  [[nodiscard]] std::string Describe() const override;

  struct Reply {
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    [[nodiscard]] std::string Header(std::string_view name) const;
  };

 private:
  // `query` is the canonical query string (sorted, encoded) or empty.
  Result<Reply> Send(const std::string& method, const std::string& key, const std::string& query,
                     std::string_view body, const std::string& content_type) const;
  Status PutMultipart(const std::string& key, std::string_view data, const std::string& content_type);
  [[nodiscard]] std::string ObjectPath(const std::string& key) const;

  S3Options options_;
};

}  // namespace hotpath::objects
