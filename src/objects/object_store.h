#pragma once
// ObjectStore: a flat key -> bytes store (S3's model). Keys are 1..1024 bytes of '/'-separated
// non-empty segments, no "." or ".." segment, no control characters (ValidateKey). Implementations:
// FileObjectStore (a directory, the one-machine default) and S3ObjectStore (any S3-compatible
// service over HTTP with AWS Signature V4). All methods are thread-safe.
//
// Errors: a missing object is kNotFound; a bad key is kInvalidArgument; an unreachable or refusing
// backend is kUnavailable (the message names the backend's answer).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hotpath::objects {

struct ObjectInfo {
  std::string key;
  std::int64_t size = 0;
  std::string etag;          // backend's entity tag, quotes stripped; may be empty (file store)
  std::string content_type;  // as stored; may be empty (file store keeps none)
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Stores `data` under `key`, replacing any previous object atomically (readers see the old or the
  // new bytes, never a mix). Large objects go up in parts where the backend supports it.
  virtual Status Put(const std::string& key, std::string_view data, const std::string& content_type) = 0;
  virtual Result<std::string> Get(const std::string& key) = 0;
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;
  // Deleting a missing object succeeds (as in S3).
  virtual Status Delete(const std::string& key) = 0;
  // Every object whose key starts with `prefix`, in key order.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  // A URL that lets anyone holding it GET the object until `ttl` passes (S3: SigV4 query signing;
  // file store: a file:// URL, which needs no signature on the machine that holds the file).
  virtual Result<std::string> PresignGet(const std::string& key, std::chrono::seconds ttl) = 0;
  // "file:/var/lib/hotpath/objects" or "s3://bucket?..." with secrets removed, for logs.
  [[nodiscard]] virtual std::string Describe() const = 0;
};

Status ValidateKey(std::string_view key);

// Opens the store named by a URL:
//   file:<dir>                     local directory (created if missing)
//   s3://<bucket>?endpoint=<http(s)://host:port>&region=<r>[&part_size=<bytes>]
// S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
// Without `endpoint`, AWS itself: https://s3.<region>.amazonaws.com (path-style requests).
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url);

}  // namespace hotpath::objects
