#pragma once
// Test support: a Cache passing every call to another until it is made to fail, like a Redis that
// went away (or, seen from the cache, a process that died: nothing it sends arrives any more).

#include <atomic>

#include "cache/cache.h"

namespace hotpath::cache {

class FlakyCache final : public Cache {
 public:
  explicit FlakyCache(Cache& inner) : inner_(inner) {}
  std::atomic<bool> down{false};
  std::atomic<int> calls{0};
  Result<std::vector<std::optional<std::string>>> Get(const std::vector<std::string>& keys) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.Get(keys);
  }
  Status Set(const std::string& key, const std::string& value, Millis ttl) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.Set(key, value, ttl);
  }
  Result<bool> Add(const std::string& key, const std::string& value, Millis ttl) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.Add(key, value, ttl);
  }
  Status Delete(const std::string& key) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.Delete(key);
  }
  Result<TokenDecision> TakeToken(const std::string& key, double rate, double burst) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.TakeToken(key, rate, burst);
  }
  Status BeginChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                     const std::string& new_version, Millis ttl) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.BeginChange(version_key, marks_key, writer, new_version, ttl);
  }
  Status EndChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                   const std::string& new_version) override {
    ++calls;
    if (down) return Error::Unavailable("down");
    return inner_.EndChange(version_key, marks_key, writer, new_version);
  }
  [[nodiscard]] std::string Describe() const override { return "flaky"; }
  [[nodiscard]] bool Shared() const override { return true; }

 private:
  Cache& inner_;
};

}  // namespace hotpath::cache
