#pragma once
// Redis pub/sub on one channel between processes: Publish queues a message that a sender thread
// PUBLISHes (the caller never waits on the network, so it is safe on a database writer thread), and
// a subscriber thread holds a SUBSCRIBE connection and hands each message to `on_message`. When
// the connection drops the subscriber reconnects every `retry` and calls `on_connected` again
// (messages sent meanwhile are lost: callers must catch up from their source of truth then).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cache/redis_cache.h"

namespace hotpath::cache {

class RedisPubSub {
 public:
  using OnMessage = std::function<void(std::string_view message)>;
  // `publisher` sends (its circuit breaker and error counting apply); it must outlive this.
  RedisPubSub(RedisOptions options, RedisCache& publisher, std::string channel, const Logger& log,
              OnMessage on_message, std::function<void()> on_connected);
  ~RedisPubSub();
  // Starts both threads and waits up to `wait` until the first subscription is in place (so a
  // message published once a caller proceeds reaches it); a Redis that is down does not hold it.
  void Start(std::chrono::milliseconds wait);
  void Stop();
  // Queues `message` (dropped when 1024 are already waiting: the receivers catch up anyway).
  void Publish(std::string message);
  [[nodiscard]] bool Subscribed() const;

 private:
  void SubscribeLoop();
  void PublishLoop();
  bool Sleep(std::chrono::milliseconds d);  // false when stopping

  const RedisOptions options_;
  RedisCache& publisher_;
  const std::string channel_;
  const Logger& log_;
  const OnMessage on_message_;
  const std::function<void()> on_connected_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;           // guarded by mu_
  bool subscribed_ = false;         // guarded by mu_
  RedisConn* subscriber_ = nullptr;  // guarded by mu_: shut down by Stop to end a blocking read
  std::deque<std::string> outbox_;  // guarded by mu_
  std::thread subscriber_thread_;
  std::thread sender_;
};

}  // namespace hotpath::cache
