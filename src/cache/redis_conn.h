#pragma once
// One blocking connection to Redis over TCP, or over TLS (OpenSSL) for rediss:// URLs, speaking
// RESP through hiredis's command formatter and reply reader (Debian 12's hiredis 0.14 has no TLS of
// its own). Socket timeouts bound every read and write; AUTH and SELECT are done by Open. Not
// thread-safe: one user at a time (the pool hands it out).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cache/redis_url.h"

struct redisReply;
struct redisReader;
struct ssl_st;

namespace hotpath::cache {

class RedisConn {
 public:
  using Reply = std::unique_ptr<redisReply, void (*)(void*)>;
  // nullptr with the reason in `error`. `op_timeout` 0: reads wait forever (subscribers).
  static std::unique_ptr<RedisConn> Open(const RedisEndpoint& endpoint, std::chrono::milliseconds connect_timeout,
                                         std::chrono::milliseconds op_timeout, std::string* error);
  ~RedisConn();
  RedisConn(const RedisConn&) = delete;
  RedisConn& operator=(const RedisConn&) = delete;

  // Queues one command; Flush sends everything queued.
  void Append(const std::vector<std::string>& command);
  bool Flush(std::string* error);
  // The next reply (error replies included: type REDIS_REPLY_ERROR); nullptr on I/O failure.
  Reply Read(std::string* error);
  // Ends a blocked Read from another thread (shutdown of the socket).
  void Shutdown();

 private:
  RedisConn() = default;
  long Recv(char* buf, std::size_t n);
  long SendSome(const char* buf, std::size_t n);
  int fd_ = -1;
  ssl_st* ssl_ = nullptr;
  redisReader* reader_ = nullptr;
  std::string out_;
};

}  // namespace hotpath::cache
