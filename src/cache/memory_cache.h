#pragma once
// The in-process Cache: one machine, one process (the default `cache_url = "memory:"`). Expired
// entries and idle (full again) buckets are swept as the maps grow, so memory stays bounded by the
// live working set. Thread-safe.

#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/cache.h"
#include "cache/token_bucket.h"

namespace hotpath::cache {

class MemoryCache final : public Cache {
 public:
  explicit MemoryCache(const Clock& clock) : clock_(clock) {}
  Result<std::vector<std::optional<std::string>>> Get(const std::vector<std::string>& keys) override;
  Status Set(const std::string& key, const std::string& value, Millis ttl) override;
  Result<bool> Add(const std::string& key, const std::string& value, Millis ttl) override;
  Status Delete(const std::string& key) override;
  Result<TokenDecision> TakeToken(const std::string& key, double rate, double burst) override;
  Status BeginChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                     const std::string& new_version, Millis ttl) override;
  Status EndChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                   const std::string& new_version) override;
  [[nodiscard]] std::string Describe() const override { return "memory:"; }
  [[nodiscard]] bool Shared() const override { return false; }
  [[nodiscard]] std::size_t SizeForTest() const;

 private:
  struct Entry {
    std::string value;
    Millis expires_at = 0;  // 0: never
  };
  struct TimedBucket {
    Bucket bucket;
    Millis idle_after = 0;  // full again from then on: forgetting it changes nothing
  };
  void SweepLocked(Millis now);
  // Drops expired marks of `marks_key`; sets the version from what remains.
  void SetVersionLocked(const std::string& version_key, const std::string& marks_key, const std::string& new_version,
                        Millis now);
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;         // guarded by mu_
  std::unordered_map<std::string, TimedBucket> buckets_;   // guarded by mu_
  std::unordered_map<std::string, std::unordered_map<std::string, Millis>> marks_;  // guarded by mu_
  std::size_t sweep_at_ = 1024;                            // guarded by mu_: sweep when a map reaches it
};

}  // namespace hotpath::cache
