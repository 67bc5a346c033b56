#include "cache/redis_pubsub.h"

#include <hiredis/hiredis.h>

namespace hotpath::cache {

RedisPubSub::RedisPubSub(RedisOptions options, RedisCache& publisher, std::string channel, const Logger& log,
                         OnMessage on_message, std::function<void()> on_connected)
    : options_(std::move(options)),
      publisher_(publisher),
      channel_(std::move(channel)),
      log_(log),
      on_message_(std::move(on_message)),
      on_connected_(std::move(on_connected)) {}

RedisPubSub::~RedisPubSub() { Stop(); }

void RedisPubSub::Start(std::chrono::milliseconds wait) {
  subscriber_thread_ = std::thread([this] { SubscribeLoop(); });
  sender_ = std::thread([this] { PublishLoop(); });
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return subscribed_ || stopping_; });
}

void RedisPubSub::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !subscriber_thread_.joinable() && !sender_.joinable()) return;
    stopping_ = true;
    if (subscriber_) subscriber_->Shutdown();
  }
  cv_.notify_all();
  if (subscriber_thread_.joinable()) subscriber_thread_.join();
  if (sender_.joinable()) sender_.join();
}

bool RedisPubSub::Subscribed() const {
  std::lock_guard lock(mu_);
  return subscribed_;
}

void RedisPubSub::Publish(std::string message) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || outbox_.size() >= 1024) return;
    outbox_.push_back(std::move(message));
  }
  cv_.notify_all();
}

bool RedisPubSub::Sleep(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

void RedisPubSub::PublishLoop() {
  for (;;) {
    std::vector<RedisCache::Command> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !outbox_.empty(); });
      if (stopping_) return;
      for (auto& m : outbox_) batch.push_back({"PUBLISH", channel_, std::move(m)});
      outbox_.clear();
    }
    (void)publisher_.Pipeline(batch);  // failures are counted by the cache; receivers catch up
  }
}

void RedisPubSub::SubscribeLoop() {
  bool warned = false;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    std::string error;
    auto c = RedisCache::Connect(options_, std::chrono::milliseconds(0), &error);  // reads block
    if (c) {
      c->Append({"SUBSCRIBE", channel_});
      RedisCache::Reply reply(nullptr, freeReplyObject);
      if (c->Flush(&error)) reply = c->Read(&error);
      if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply) error = "unexpected SUBSCRIBE reply";
      } else {
        {
          std::lock_guard lock(mu_);
          if (stopping_) return;
          subscriber_ = c.get();
          subscribed_ = true;
        }
        cv_.notify_all();
        if (warned) log_.Info("pub/sub subscribed again", {{"channel", channel_}});
        warned = false;
        if (on_connected_) on_connected_();
        for (;;) {
          RedisCache::Reply msg = c->Read(&error);
          if (!msg) break;
          if (msg->type == REDIS_REPLY_ARRAY && msg->elements == 3 && msg->element[2]->type == REDIS_REPLY_STRING &&
              std::string_view(msg->element[0]->str, msg->element[0]->len) == "message") {
            on_message_(std::string_view(msg->element[2]->str, msg->element[2]->len));
          }
        }
        std::lock_guard lock(mu_);
        subscriber_ = nullptr;
        subscribed_ = false;
        if (stopping_) return;
      }
    }
    if (!warned) {
      log_.Warn("pub/sub unavailable; processes fall back to polling until Redis returns",
                {{"channel", channel_}, {"error", error}});
      warned = true;
    }
    if (!Sleep(options_.retry)) return;
  }
}

}  // namespace hotpath::cache
