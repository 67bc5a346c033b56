#include "identity/revocations.h"

#include <vector>

namespace hotpath::identity {
namespace {
constexpr const char* kLoadedKey = "hp:rv:loaded";
std::string Key(const std::string& id) { return "hp:rv:" + id; }
}  // namespace

Revocations::Revocations(storage::Database& db, const Clock& clock, cache::Cache* shared, bool single_process)
    : db_(db), clock_(clock), shared_(shared), local_(shared == nullptr && single_process) {}

Status Revocations::Load() {
  // A process killed between a logout's commit and its Redis write left that revocation out of
  // Redis: every start makes the processes copy the list from the database again.
  if (shared_ && !shared_->Delete(kLoadedKey).ok()) {
    std::lock_guard lock(mu_);
    reload_pending_ = true;
    has_pending_ = true;
  }
  if (!local_) return OkStatus();
  Millis now = clock_.NowMillis();
  HP_ASSIGN(auto all, db_.Read<std::vector<std::pair<std::string, Millis>>>(
                          [now](storage::Connection& c) -> Result<std::vector<std::pair<std::string, Millis>>> {
                            std::vector<std::pair<std::string, Millis>> out;
                            HP_TRY(c.Query("SELECT token_id, expires_at FROM revoked_tokens WHERE expires_at > ?",
                                           {now}, [&](const storage::Row& r) { out.emplace_back(r.Text(0), r.Int(1)); }));
                            return out;
                          }));
  std::lock_guard lock(mu_);
  for (auto& [id, exp] : all) local_set_[id] = exp;
  return OkStatus();
}

Status Revocations::Revoke(const std::string& token_id, Millis expires_at) {
  Millis now = clock_.NowMillis();
  HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
    HP_TRY(c.Exec("INSERT INTO revoked_tokens(token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING",
                  {token_id, expires_at}));
    HP_TRY(c.Exec("DELETE FROM revoked_tokens WHERE expires_at <= ?", {now}));  // expired tokens fail anyway
    return Ok{};
  }));
  std::lock_guard lock(mu_);
  if (local_) {
    std::erase_if(local_set_, [now](const auto& e) { return e.second <= now; });
    local_set_[token_id] = expires_at;
  }
  if (shared_ && !shared_->Set(Key(token_id), "1", std::max<Millis>(1, expires_at - now)).ok()) {
    pending_[token_id] = expires_at;  // written before the cache is trusted again
    has_pending_ = true;
  }
  return OkStatus();
}

bool Revocations::FlushPending() {
  if (!has_pending_.load()) return true;
  Millis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  if (reload_pending_) {
    if (!shared_->Delete(kLoadedKey).ok()) return false;
    reload_pending_ = false;
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second > now && !shared_->Set(Key(it->first), "1", it->second - now).ok()) return false;
    it = pending_.erase(it);
  }
  has_pending_ = false;
  return true;
}

Result<bool> Revocations::FromCache(const std::string& token_id) {
  if (!FlushPending()) return Error::Unavailable("cache: revocations pending");
  HP_ASSIGN(auto got, shared_->Get({kLoadedKey, Key(token_id)}));
  if (got[0]) return got[1].has_value();
  // A new or restarted Redis: copy the unexpired revocations into it, then mark it loaded.
  Millis now = clock_.NowMillis();
  HP_ASSIGN(auto all, db_.Read<std::vector<std::pair<std::string, Millis>>>(
                          [now](storage::Connection& c) -> Result<std::vector<std::pair<std::string, Millis>>> {
                            std::vector<std::pair<std::string, Millis>> out;
                            HP_TRY(c.Query("SELECT token_id, expires_at FROM revoked_tokens WHERE expires_at > ?",
                                           {now}, [&](const storage::Row& r) { out.emplace_back(r.Text(0), r.Int(1)); }));
                            return out;
                          }));
  bool revoked = false;
  for (const auto& [id, exp] : all) {
    revoked = revoked || id == token_id;
    HP_TRY(shared_->Set(Key(id), "1", std::max<Millis>(1, exp - now)));
  }
  HP_TRY(shared_->Set(kLoadedKey, "1", 0));
  return revoked;
}

Result<bool> Revocations::FromDatabase(const std::string& token_id) {
  return db_.Read<bool>([&](storage::Connection& c) -> Result<bool> {
    bool found = false;
    HP_TRY(c.Query("SELECT 1 FROM revoked_tokens WHERE token_id = ?", {token_id},
                   [&](const storage::Row&) { found = true; }));
    return found;
  });
}

Result<bool> Revocations::IsRevoked(const std::string& token_id) {
  if (local_) {
    std::lock_guard lock(mu_);
    return local_set_.contains(token_id);
  }
  if (shared_) {
    auto cached = FromCache(token_id);
    if (cached.ok()) return cached;
  }
  return FromDatabase(token_id);
}

}  // namespace hotpath::identity
