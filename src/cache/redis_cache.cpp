#include "cache/redis_cache.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <cmath>

namespace hotpath::cache {
namespace {

// KEYS[1] the bucket; ARGV[1] rate (tokens/s), ARGV[2] burst. Returns {allowed, retry_after_ms}.
// The same arithmetic as TakeOne (token_bucket.cpp), on Redis's clock.
constexpr const char* kBucketScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, retry}
)lua";

// Change marks (Cache::BeginChange/EndChange). KEYS[1] the version, KEYS[2] the marks (a sorted set
// of writers scored by their deadline on Redis's clock). The version is "w"..ARGV[2] expiring with
// the last live mark, or the clean ARGV[2] once none is left.
constexpr const char* kSetVersionLua = R"lua(
local function set_version(now)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', KEYS[2])
    redis.call('SET', KEYS[1], ARGV[2])
  else
    local left = tonumber(last[2]) - now
    redis.call('PEXPIRE', KEYS[2], left)
    redis.call('SET', KEYS[1], 'w' .. ARGV[2], 'PX', left)
  end
  return 1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)lua";
// ARGV[1] the writer, ARGV[2] the new version, ARGV[3] the mark's lifetime (ms).
const std::string kBeginChangeScript = std::string(kSetVersionLua) + R"lua(
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
return set_version(now)
)lua";
// ARGV[1] the writer, ARGV[2] the new version.
const std::string kEndChangeScript = std::string(kSetVersionLua) + R"lua(
redis.call('ZREM', KEYS[2], ARGV[1])
return set_version(now)
)lua";

std::string ReplyError(const redisReply* r) { return r && r->str ? std::string(r->str, r->len) : "error reply"; }

}  // namespace

RedisCache::RedisCache(RedisOptions options, const Logger& log, CacheObserver observer)
    : options_(std::move(options)), log_(log), observer_(std::move(observer)) {
  prober_ = std::thread([this] { ProbeLoop(); });
}

RedisCache::~RedisCache() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  prober_.join();
}

void RedisCache::ProbeLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return open_ || stopping_; });
    if (stopping_) return;
    if (cv_.wait_for(lock, options_.retry, [&] { return stopping_; })) return;
    lock.unlock();
    std::string error;
    Conn c = Connect(options_, options_.op_timeout, &error);
    if (c) {
      Release(std::move(c));
      Succeeded();
    }
    lock.lock();
  }
}

std::unique_ptr<RedisConn> RedisCache::Connect(const RedisOptions& options, std::chrono::milliseconds op_timeout,
                                               std::string* error) {
  return RedisConn::Open(options.endpoint, options.connect_timeout, op_timeout, error);
}

Error RedisCache::Unavailable(const std::string& why) {
  if (observer_.error) observer_.error();
  return Error::Unavailable(fmt::format("cache {}: {}", options_.endpoint.Describe(), why));
}

Result<RedisCache::Conn> RedisCache::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Conn c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (open_) return Unavailable("unreachable (reconnecting in the background)");
  }
  std::string error;
  Conn c = Connect(options_, options_.op_timeout, &error);
  if (!c) {
    Failed(error);
    return Unavailable(error);
  }
  return c;
}

void RedisCache::Release(Conn conn) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle) idle_.push_back(std::move(conn));
}

void RedisCache::Failed(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    open_ = true;
    idle_.clear();
  }
  cv_.notify_all();
  if (up_.exchange(false)) {
    log_.Warn("cache unreachable; serving from the database until it returns",
              {{"cache", options_.endpoint.Describe()}, {"error", why}});
    if (observer_.state) observer_.state(false);
  }
}

void RedisCache::Succeeded() {
  {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  if (!up_.exchange(true)) {
    log_.Info("cache reachable again", {{"cache", options_.endpoint.Describe()}});
    if (observer_.state) observer_.state(true);
  }
}

Result<std::vector<Result<RedisCache::Reply>>> RedisCache::Pipeline(const std::vector<Command>& commands) {
  HP_ASSIGN(Conn c, Acquire());
  for (const auto& cmd : commands) c->Append(cmd);
  std::string why;
  if (!c->Flush(&why)) {
    Failed(why);
    return Unavailable(why);
  }
  std::vector<Result<Reply>> out;
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    Reply reply = c->Read(&why);
    if (!reply) {
      Failed(why);
      return Unavailable(why);
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      out.emplace_back(Error::Internal(fmt::format("redis {}: {}", commands[i].front(), ReplyError(reply.get()))));
    } else {
      out.emplace_back(std::move(reply));
    }
  }
  Release(std::move(c));
  return out;
}

Result<RedisCache::Reply> RedisCache::Run(const Command& command) {
  HP_ASSIGN(auto replies, Pipeline({command}));
  return std::move(replies.front());
}

Result<std::vector<std::optional<std::string>>> RedisCache::Get(const std::vector<std::string>& keys) {
  Command cmd{"MGET"};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  HP_ASSIGN(auto reply, Run(cmd));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != keys.size())
    return Error::Internal("redis MGET: unexpected reply");
  std::vector<std::optional<std::string>> out;
  for (std::size_t i = 0; i < reply->elements; ++i) {
    const redisReply* e = reply->element[i];
    if (e->type == REDIS_REPLY_STRING) {
      out.emplace_back(std::string(e->str, e->len));
    } else {
      out.emplace_back(std::nullopt);
    }
  }
  return out;
}

Status RedisCache::Set(const std::string& key, const std::string& value, Millis ttl) {
  Command cmd{"SET", key, value};
  if (ttl > 0) {
    cmd.emplace_back("PX");
    cmd.push_back(std::to_string(ttl));
  }
  HP_TRY(Run(cmd));
  return OkStatus();
}

Result<bool> RedisCache::Add(const std::string& key, const std::string& value, Millis ttl) {
  Command cmd{"SET", key, value, "NX"};
  if (ttl > 0) {
    cmd.emplace_back("PX");
    cmd.push_back(std::to_string(ttl));
  }
  HP_ASSIGN(auto reply, Run(cmd));
  return reply->type == REDIS_REPLY_STATUS;  // "OK"; nil when the key existed
}

Status RedisCache::Delete(const std::string& key) {
  HP_TRY(Run({"DEL", key}));
  return OkStatus();
}

Result<RedisCache::Reply> RedisCache::Eval(Script script, const std::vector<std::string>& keys_and_args, int keys) {
  const char* text = script == kBucket        ? kBucketScript
                     : script == kBeginChange ? kBeginChangeScript.c_str()
                                              : kEndChangeScript.c_str();
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string sha;
    {
      std::lock_guard lock(script_mu_);
      sha = shas_[script];
    }
    if (sha.empty()) {
      HP_ASSIGN(auto loaded, Run({"SCRIPT", "LOAD", text}));
      if (loaded->type != REDIS_REPLY_STRING) return Error::Internal("redis SCRIPT LOAD: unexpected reply");
      sha.assign(loaded->str, loaded->len);
      std::lock_guard lock(script_mu_);
      shas_[script] = sha;
    }
    Command cmd{"EVALSHA", sha, std::to_string(keys)};
    cmd.insert(cmd.end(), keys_and_args.begin(), keys_and_args.end());
    auto reply = Run(cmd);
    if (!reply.ok()) {
      // A restarted Redis has forgotten the script: load it again once.
      if (reply.error().code != ErrorCode::kUnavailable && reply.error().message.find("NOSCRIPT") != std::string::npos) {
        std::lock_guard lock(script_mu_);
        shas_[script].clear();
        continue;
      }
      return std::move(reply).error();
    }
    return reply;
  }
  return Error::Internal("redis: a script could not be loaded");
}

Result<TokenDecision> RedisCache::TakeToken(const std::string& key, double rate, double burst) {
  HP_ASSIGN(auto reply, Eval(kBucket, {key, fmt::format("{}", rate), fmt::format("{}", burst)}, 1));
  const redisReply* r = reply.get();
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
      r->element[1]->type != REDIS_REPLY_INTEGER)
    return Error::Internal("redis token bucket: unexpected reply");
  return TokenDecision{r->element[0]->integer == 1, static_cast<Millis>(r->element[1]->integer)};
}

Status RedisCache::BeginChange(const std::string& version_key, const std::string& marks_key,
                               const std::string& writer, const std::string& new_version, Millis ttl) {
  HP_TRY(Eval(kBeginChange, {version_key, marks_key, writer, new_version, std::to_string(std::max<Millis>(1, ttl))}, 2));
  return OkStatus();
}

Status RedisCache::EndChange(const std::string& version_key, const std::string& marks_key,
                             const std::string& writer, const std::string& new_version) {
  HP_TRY(Eval(kEndChange, {version_key, marks_key, writer, new_version}, 2));
  return OkStatus();
}

}  // namespace hotpath::cache
