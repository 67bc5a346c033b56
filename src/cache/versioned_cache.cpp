#include "cache/versioned_cache.h"

namespace hotpath::cache {
namespace {
// The value stored under `version` ("<version>\n<value>"), if `stored` is that.
std::optional<std::string> Tagged(const std::optional<std::string>& stored, const std::string& version) {
  if (!stored || stored->size() <= version.size() || stored->compare(0, version.size(), version) != 0 ||
      (*stored)[version.size()] != '\n')
    return std::nullopt;
  return stored->substr(version.size() + 1);
}
bool Changing(const std::string& version) { return !version.empty() && version[0] == 'w'; }
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
    : cache_(cache), options_(std::move(options)), stats_(std::move(stats)) {
  watcher_ = std::thread([this] { WatchLoop(); });
}

VersionedCache::~VersionedCache() {
  {
    std::lock_guard lock(watch_mu_);
    stopping_ = true;
  }
  watch_cv_.notify_all();
  watcher_.join();
}

void VersionedCache::Pend(const std::string& entity) {
  std::lock_guard lock(mu_);
  pending_.insert(entity);
  has_pending_ = true;
}

bool VersionedCache::FlushPending() {
  if (!has_pending_.load()) return true;
  std::lock_guard lock(mu_);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!cache_.EndChange(VersionKey(*it), MarksKey(*it), std::string(), NewVersion()).ok()) return false;
    it = pending_.erase(it);
  }
  has_pending_ = false;
  return true;
}

std::string VersionedCache::BeginChange(const std::string& entity) {
  std::string token = NewVersion();
  if (!FlushPending() ||
      !cache_.BeginChange(VersionKey(entity), MarksKey(entity), token, NewVersion(), options_.change_ttl).ok())
    Pend(entity);
  return token;
}

void VersionedCache::EndChange(const std::string& entity, const std::string& token) {
  if (FlushPending() && cache_.EndChange(VersionKey(entity), MarksKey(entity), token, NewVersion()).ok()) return;
  Pend(entity);
}

Status VersionedCache::Bump(const std::string& entity) {
  if (!FlushPending()) return Error::Unavailable("the cache does not answer (bumps pending)");
  return cache_.EndChange(VersionKey(entity), MarksKey(entity), std::string(), NewVersion());
}

Result<std::pair<std::string, std::string>> VersionedCache::Lookup(const std::string& entity, const std::string& key,
                                                                   const Loader& load) {
  using Out = std::pair<std::string, std::string>;
  auto unversioned = [&](std::string_view result) -> Result<Out> {
    Count(result);
    HP_ASSIGN(auto value, load());
    return Out{std::move(value), std::string()};
  };
  if (!FlushPending()) return unversioned("bypass");
  const std::string version_key = VersionKey(entity);
  const std::string data_key = DataKey(entity, key);
  auto got = cache_.Get({version_key, data_key});
  if (!got.ok()) return unversioned("bypass");
  std::string version;
  if ((*got)[0]) {
    version = std::move(*(*got)[0]);
    if (Changing(version)) return unversioned("miss");  // a change is being committed: store nothing
    if (auto hit = Tagged((*got)[1], version)) {
      Count("hit");
      return Out{std::move(*hit), std::move(version)};
    }
  } else {
    // Never changed, evicted, or a killed writer's mark expired: a fresh version before the load,
    // so what is stored under it was read after it existed.
    version = NewVersion();
    auto added = cache_.Add(version_key, version, 0);
    if (!added.ok()) return unversioned("bypass");
    if (!*added) return unversioned("miss");  // someone else's version: theirs to fill
  }
  Count("miss");
  HP_ASSIGN(auto value, Fill(data_key, options_.prefix + "l:" + entity + ":" + key + ":" + version, version, load));
  return Out{std::move(value), std::move(version)};
}

Result<std::string> VersionedCache::Get(const std::string& entity, const std::string& key, const Loader& load) {
  HP_ASSIGN(auto got, Lookup(entity, key, load));
  return std::move(got.first);
}

Result<VersionedCache::NearPtr> VersionedCache::GetNear(const std::string& entity, const std::string& key,
                                                        const Loader& load) {
  HP_ASSIGN(auto got, Lookup(entity, key, load));
  auto near = std::make_shared<const Near>(Near{entity, std::move(got.second), std::move(got.first)});
  if (!near->version.empty()) Keep(entity, key, near);
  return NearPtr(near);
}

void VersionedCache::Keep(const std::string& entity, const std::string& key, NearPtr near) {
  std::lock_guard lock(near_mu_);
  if (near_.size() >= options_.near_max) near_.clear();
  near_[entity + '\n' + key] = std::move(near);
}

VersionedCache::NearPtr VersionedCache::Peek(const std::string& entity, const std::string& key) const {
  std::string k;
  k.reserve(entity.size() + 1 + key.size());
  k.append(entity).push_back('\n');
  k.append(key);
  std::lock_guard lock(near_mu_);
  auto it = near_.find(k);
  return it == near_.end() ? nullptr : it->second;
}

void VersionedCache::Revalidate(NearPtr near, std::function<void(bool fresh)> done) {
  {
    std::lock_guard lock(watch_mu_);
    if (!stopping_) {
      waiting_.push_back(Waiter{std::move(near), std::move(done)});
      if (waiting_.size() == 1) watch_cv_.notify_one();
      return;
    }
  }
  done(false);
}

void VersionedCache::WatchLoop() {
  std::vector<Waiter> batch;
  std::vector<std::string> keys;
  std::unordered_map<std::string, std::size_t> index;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(watch_mu_);
      watch_cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      batch.swap(waiting_);
      if (stopping_ && batch.empty()) return;
    }
    // Every waiter arrived before this read was sent: what it returns is at least as new as any
    // change that had returned when they arrived.
    keys.clear();
    index.clear();
    for (const auto& w : batch) {
      auto key = VersionKey(w.near->entity);
      if (index.emplace(key, keys.size()).second) keys.push_back(std::move(key));
    }
    const bool usable = FlushPending();
    auto got = usable ? cache_.Get(keys) : Result<std::vector<std::optional<std::string>>>(Error::Unavailable("pending"));
    for (auto& w : batch) {
      bool fresh = false;
      if (got.ok()) {
        const auto& v = (*got)[index.at(VersionKey(w.near->entity))];
        fresh = v && *v == w.near->version;
      }
      if (fresh) Count("hit");
      w.done(fresh);
    }
  }
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
      if (auto hit = Tagged((*v)[0], version)) return std::move(*hit);
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

std::size_t VersionedCache::NearSizeForTest() const {
  std::lock_guard lock(near_mu_);
  return near_.size();
}

}  // namespace hotpath::cache
