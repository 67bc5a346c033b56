#pragma once
// Notification channels: where the notify function reaches a user (`notification_channels`).
//   webhook  target = http(s) URL, secret = the HMAC key of its signatures (16..256 characters)
//   email    target = an email address
//   push     target = a device token of the push provider
// The secret is write-only: never returned by the API.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace hotpath::functions {

struct Channel {
  std::string id;
  std::string user_id;
  std::string kind;
  std::string target;
  Millis created_at = 0;
};

struct NewChannel {
  std::string kind;
  std::string target;
  std::string secret;
};

class ChannelStore {
 public:
  static constexpr int kMaxPerUser = 20;
  ChannelStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  // kInvalidArgument with field errors for a bad channel; kConflict past kMaxPerUser.
  Result<Channel> Add(const std::string& user_id, const NewChannel& channel);
  Result<std::vector<Channel>> List(const std::string& user_id);
  // kNotFound unless the user has this channel.
  Status Remove(const std::string& user_id, const std::string& channel_id);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

// Field errors of a new channel (empty when valid).
std::vector<FieldError> ValidateChannel(const NewChannel& channel);

}  // namespace hotpath::functions
