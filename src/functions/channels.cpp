#include "functions/channels.h"

#include <fmt/format.h>

#include <algorithm>

namespace hotpath::functions {
namespace {
bool HasSpace(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
}
}  // namespace

std::vector<FieldError> ValidateChannel(const NewChannel& ch) {
  std::vector<FieldError> errors;
  if (ch.kind == "webhook") {
    bool url = (ch.target.rfind("http://", 0) == 0 && ch.target.size() > 7) ||
               (ch.target.rfind("https://", 0) == 0 && ch.target.size() > 8);
    if (!url || HasSpace(ch.target) || ch.target.size() > 2000)
      errors.push_back({"target", "must be an http:// or https:// URL of at most 2000 characters"});
    if (ch.secret.size() < 16 || ch.secret.size() > 256)
      errors.push_back({"secret", "is required for a webhook: 16..256 characters (the HMAC-SHA256 key)"});
  } else if (ch.kind == "email") {
    auto at = ch.target.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= ch.target.size() || HasSpace(ch.target) ||
        ch.target.size() > 254 || ch.target.find_first_of("<>,;\"") != std::string::npos)
      errors.push_back({"target", "must be an email address"});
  } else if (ch.kind == "push") {
    if (ch.target.empty() || ch.target.size() > 4096 || HasSpace(ch.target))
      errors.push_back({"target", "must be a device token (1..4096 characters, no spaces)"});
  } else {
    errors.push_back({"kind", "must be one of webhook, email, push"});
  }
  if (ch.kind != "webhook" && !ch.secret.empty()) errors.push_back({"secret", "only webhooks have a secret"});
  return errors;
}

Result<Channel> ChannelStore::Add(const std::string& user_id, const NewChannel& ch) {
  if (auto errors = ValidateChannel(ch); !errors.empty())
    return Error::Invalid("the notification channel is not valid", std::move(errors));
  Channel out{NewId("nch"), user_id, ch.kind, ch.target, clock_.NowMillis()};
  return db_.Write<Channel>([&](storage::Connection& c) -> Result<Channel> {
    std::int64_t n = 0;
    HP_TRY(c.Query("SELECT count(*) FROM notification_channels WHERE user_id = ?", {user_id},
                   [&](const storage::Row& r) { n = r.Int(0); }));
    if (n >= kMaxPerUser)
      return Error::Conflict(fmt::format("a user may have at most {} notification channels", kMaxPerUser));
    HP_TRY(c.Exec("INSERT INTO notification_channels(id, user_id, kind, target, secret, created_at) VALUES (?,?,?,?,?,?)",
                  {out.id, user_id, out.kind, out.target,
                   ch.secret.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(ch.secret), out.created_at}));
    return out;
  });
}

Result<std::vector<Channel>> ChannelStore::List(const std::string& user_id) {
  return db_.Read<std::vector<Channel>>([&](storage::Connection& c) -> Result<std::vector<Channel>> {
    std::vector<Channel> out;
    HP_TRY(c.Query("SELECT id, user_id, kind, target, created_at FROM notification_channels WHERE user_id = ? "
                   "ORDER BY created_at, id",
                   {user_id}, [&](const storage::Row& r) {
                     out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4)});
                   }));
    return out;
  });
}

Status ChannelStore::Remove(const std::string& user_id, const std::string& channel_id) {
  return db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
    HP_ASSIGN(auto n, c.Exec("DELETE FROM notification_channels WHERE id = ? AND user_id = ?", {channel_id, user_id}));
    if (n == 0) return Error::NotFound(fmt::format("no notification channel with id '{}'", channel_id));
    return Ok{};
  });
}

}  // namespace hotpath::functions
