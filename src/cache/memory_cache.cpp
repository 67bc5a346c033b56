#include "cache/memory_cache.h"

#include <cmath>

namespace hotpath::cache {

Result<std::vector<std::optional<std::string>>> MemoryCache::Get(const std::vector<std::string>& keys) {
  Millis now = clock_.NowMillis();
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  std::lock_guard lock(mu_);
  for (const auto& k : keys) {
    auto it = entries_.find(k);
    if (it == entries_.end() || (it->second.expires_at != 0 && it->second.expires_at <= now)) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(it->second.value);
    }
  }
  return out;
}

Status MemoryCache::Set(const std::string& key, const std::string& value, Millis ttl) {
  Millis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  entries_[key] = Entry{value, ttl > 0 ? now + ttl : 0};
  SweepLocked(now);
  return OkStatus();
}

Result<bool> MemoryCache::Add(const std::string& key, const std::string& value, Millis ttl) {
  Millis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && (it->second.expires_at == 0 || it->second.expires_at > now)) return false;
  entries_[key] = Entry{value, ttl > 0 ? now + ttl : 0};
  SweepLocked(now);
  return true;
}

Status MemoryCache::Delete(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
  return OkStatus();
}

Result<TokenDecision> MemoryCache::TakeToken(const std::string& key, double rate, double burst) {
  Millis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto& b = buckets_[key];
  auto d = TakeOne(b.bucket, rate, burst, now);
  b.idle_after = now + static_cast<Millis>(std::ceil((burst - b.bucket.tokens) * 1000.0 / rate));
  SweepLocked(now);
  return d;
}

Status MemoryCache::BeginChange(const std::string& version_key, const std::string& marks_key,
                                const std::string& writer, const std::string& new_version, Millis ttl) {
  Millis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  marks_[marks_key][writer] = now + ttl;
  SetVersionLocked(version_key, marks_key, new_version, now);
  return OkStatus();
}

Status MemoryCache::EndChange(const std::string& version_key, const std::string& marks_key,
                              const std::string& writer, const std::string& new_version) {
  Millis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  if (auto it = marks_.find(marks_key); it != marks_.end()) it->second.erase(writer);
  SetVersionLocked(version_key, marks_key, new_version, now);
  return OkStatus();
}

void MemoryCache::SetVersionLocked(const std::string& version_key, const std::string& marks_key,
                                   const std::string& new_version, Millis now) {
  Millis last = 0;
  if (auto it = marks_.find(marks_key); it != marks_.end()) {
    std::erase_if(it->second, [now](const auto& m) { return m.second <= now; });
    for (const auto& [w, deadline] : it->second) last = std::max(last, deadline);
    if (it->second.empty()) marks_.erase(it);
  }
  entries_[version_key] = last == 0 ? Entry{new_version, 0} : Entry{"w" + new_version, last};
  SweepLocked(now);
}

void MemoryCache::SweepLocked(Millis now) {
  if (entries_.size() < sweep_at_ && buckets_.size() < sweep_at_) return;
  std::erase_if(entries_, [now](const auto& e) { return e.second.expires_at != 0 && e.second.expires_at <= now; });
  std::erase_if(buckets_, [now](const auto& b) { return b.second.idle_after <= now; });
  sweep_at_ = std::max<std::size_t>(1024, 2 * std::max(entries_.size(), buckets_.size()));
}

std::size_t MemoryCache::SizeForTest() const {
  std::lock_guard lock(mu_);
  return entries_.size() + buckets_.size();
}

}  // namespace hotpath::cache
