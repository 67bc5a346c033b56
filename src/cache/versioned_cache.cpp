#include "cache/versioned_cache.h"

#include <thread>

namespace hotpath::cache {
namespace {
constexpr std::string_view kInitialVersion = "0";  // an entity never bumped (or whose version was lost)
}  // namespace

std::string NewVersion() {
  unsigned char raw[8];
  RandomBytes(raw, sizeof raw);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

VersionedCache::VersionedCache(Cache& cache, VersionedOptions options, VersionedStats stats)
    : cache_(cache), options_(std::move(options)), stats_(std::move(stats)) {}

bool VersionedCache::FlushPending() {
  if (!has_pending_.load()) return true;
  std::lock_guard lock(mu_);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!cache_.Set(VersionKey(*it), NewVersion(), 0).ok()) return false;
    it = pending_.erase(it);
  }
  has_pending_ = false;
  return true;
}

void VersionedCache::Invalidate(const std::string& entity) {
  if (FlushPending() && cache_.Set(VersionKey(entity), NewVersion(), 0).ok()) return;
  std::lock_guard lock(mu_);
  pending_.insert(entity);
  has_pending_ = true;
}

Result<std::string> VersionedCache::Get(const std::string& entity, const std::string& key, const Loader& load) {
  if (!FlushPending()) {
    Count("bypass");
    return load();
  }
  const std::string data_key = options_.prefix + "d:" + entity + (key.empty() ? "" : ":" + key);
  auto got = cache_.Get({VersionKey(kEpoch), VersionKey(entity), data_key});
  if (!got.ok()) {
    Count("bypass");
    return load();
  }
  const std::string version = (*got)[0].value_or(std::string(kInitialVersion)) + "." +
                              (*got)[1].value_or(std::string(kInitialVersion));
  auto tagged = [&](const std::optional<std::string>& v) -> std::optional<std::string> {
    if (!v || v->size() <= version.size() || v->compare(0, version.size(), version) != 0 ||
        (*v)[version.size()] != '\n')
      return std::nullopt;
    return v->substr(version.size() + 1);
  };
  if (auto hit = tagged((*got)[2])) {
    Count("hit");
    return std::move(*hit);
  }
  Count("miss");
  return Fill(data_key, options_.prefix + "l:" + entity + ":" + key + ":" + version, version, load);
}

Result<std::string> VersionedCache::Fill(const std::string& data_key, const std::string& lock_key,
                                         const std::string& version, const Loader& load) {
  auto locked = cache_.Add(lock_key, "1", options_.lock_ttl);
  if (locked.ok() && !*locked) {
    // Someone else is loading this very value: wait a little for it rather than load it again.
    for (Millis waited = 0; waited < options_.lock_wait; waited += options_.poll) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll));
      auto v = cache_.Get({data_key});
      if (!v.ok()) break;
      const auto& value = (*v)[0];
      if (value && value->size() > version.size() && value->compare(0, version.size(), version) == 0 &&
          (*value)[version.size()] == '\n')
        return value->substr(version.size() + 1);
    }
    return load();
  }
  auto loaded = load();
  if (loaded.ok()) (void)cache_.Set(data_key, version + "\n" + *loaded, options_.ttl);
  if (locked.ok()) (void)cache_.Delete(lock_key);
  return loaded;
}

std::size_t VersionedCache::PendingForTest() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace hotpath::cache
