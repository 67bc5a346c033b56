#pragma once
// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (port 6379, database 0 by default), or
// `rediss://...[?ca_file=PATH]` for TLS, verified against the system's CAs or those in PATH.

#include <string>

#include "core/result.h"

namespace hotpath::cache {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string user;      // Redis 6 ACL user; empty: AUTH with the password only
  std::string password;  // empty: no AUTH
  bool tls = false;      // rediss://
  std::string ca_file;   // rediss: trusted CAs (PEM); empty: the system's
  // The URL without its password (logs).
  [[nodiscard]] std::string Describe() const;
};

// kInvalidArgument naming what is wrong ("redis URL: port must be 1-65535").
Result<RedisEndpoint> ParseRedisUrl(const std::string& url);

}  // namespace hotpath::cache
