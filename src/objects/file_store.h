#pragma once
// The one-machine object store: each object is a file under a root directory (key segments become
// subdirectories). Writes go to a temporary file in the same directory, are fsynced and renamed
// over the target, so a crash leaves the old or the new object, never a torn one.

#include <filesystem>

#include "objects/object_store.h"

namespace hotpath::objects {

class FileObjectStore final : public ObjectStore {
 public:
  // Creates `root` if missing.
  static Result<std::unique_ptr<FileObjectStore>> Open(const std::filesystem::path& root);

  Status Put(const std::string& key, std::string_view data, const std::string& content_type) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Result<std::string> PresignGet(const std::string& key, std::chrono::seconds ttl) override;
  [[nodiscard]] std::string Describe() const override { return "file:" + root_.string(); }

 private:
  explicit FileObjectStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace hotpath::objects
