#pragma once
// Cache on Redis through hiredis: a pool of blocking connections (one per concurrent caller, kept
// idle for reuse), a socket timeout on every operation, and a circuit breaker. Once an operation
// fails every operation fails at once with kUnavailable (no caller waits on a dead socket again,
// not even the database writer thread that invalidates orders) while a background thread tries to
// connect every `retry`; its first success closes the circuit (recovery).
// Every failed operation is reported to the observer (hotpath_cache_errors_total), each change of
// state once (logged, and hotpath_cache_up). Thread-safe.
//
// The token bucket runs as a Lua script (EVALSHA, loaded again after NOSCRIPT when Redis restarted)
// with Redis's own clock, so processes on several machines share one bucket without clock skew.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "cache/redis_conn.h"
#include "cache/redis_url.h"
#include "core/log.h"

namespace hotpath::cache {

struct RedisOptions {
  RedisEndpoint endpoint;
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds op_timeout{200};
  std::chrono::milliseconds retry{500};  // fail fast this long after a failure, then probe again
  std::size_t max_idle = 32;              // idle connections kept
};

struct CacheObserver {
  std::function<void()> error;         // one failed operation
  std::function<void(bool up)> state;  // reachable again / unreachable
};

class RedisCache final : public Cache {
 public:
  // Never fails because Redis is down (it may come later); starts closed and connects on first use.
  RedisCache(RedisOptions options, const Logger& log, CacheObserver observer = {});
  ~RedisCache() override;

  Result<std::vector<std::optional<std::string>>> Get(const std::vector<std::string>& keys) override;
  Status Set(const std::string& key, const std::string& value, Millis ttl) override;
  Result<bool> Add(const std::string& key, const std::string& value, Millis ttl) override;
  Status Delete(const std::string& key) override;
  Result<TokenDecision> TakeToken(const std::string& key, double rate, double burst) override;
  Status BeginChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                     const std::string& new_version, Millis ttl) override;
  Status EndChange(const std::string& version_key, const std::string& marks_key, const std::string& writer,
                   const std::string& new_version) override;
  [[nodiscard]] std::string Describe() const override { return options_.endpoint.Describe(); }
  [[nodiscard]] bool Shared() const override { return true; }

  // Runs the commands in one round trip (pipelined); their replies in order. kUnavailable when the
  // connection fails; a Redis error reply fails only its own command (kInternal).
  using Reply = RedisConn::Reply;
  using Command = std::vector<std::string>;
  Result<std::vector<Result<Reply>>> Pipeline(const std::vector<Command>& commands);
  // One command.
  Result<Reply> Run(const Command& command);
  [[nodiscard]] bool Up() const { return up_.load(); }
  // A connection of its own (for SUBSCRIBE), with AUTH and SELECT done; nullptr with the reason.
  static std::unique_ptr<RedisConn> Connect(const RedisOptions& options, std::chrono::milliseconds op_timeout,
                                            std::string* error);

 private:
  using Conn = std::unique_ptr<RedisConn>;
  Result<Conn> Acquire();
  void Release(Conn conn);
  void Failed(const std::string& why);  // a connection failed: open the circuit
  void Succeeded();
  void ProbeLoop();  // while the circuit is open: connect every `retry`
  Error Unavailable(const std::string& why);
  enum Script { kBucket, kBeginChange, kEndChange, kScripts };
  // EVALSHA of one of the scripts, loaded on first use and again after NOSCRIPT (a restarted Redis).
  Result<Reply> Eval(Script script, const std::vector<std::string>& keys_and_args, int keys);

  const RedisOptions options_;
  const Logger& log_;
  const CacheObserver observer_;
  std::mutex mu_;
  std::vector<Conn> idle_;  // guarded by mu_
  bool open_ = false;       // guarded by mu_: the circuit is open (fail fast)
  bool stopping_ = false;   // guarded by mu_
  std::condition_variable cv_;
  std::atomic<bool> up_{true};                        // as last reported
  std::mutex script_mu_;
  std::string shas_[kScripts];  // guarded by script_mu_
  std::thread prober_;      // last: started once everything above exists
};

}  // namespace hotpath::cache
