#pragma once
// Request rate limits: a token bucket per user and one per client address, in the shared cache
// (Redis: one bucket for all api processes) or in this process. When the shared cache fails, this
// process's own buckets take over (the limit then holds per process) rather than refusing or
// letting everything through. A rate of 0 turns that limit off.

#include <string_view>

#include "cache/cache.h"
#include "cache/memory_cache.h"

namespace hotpath::cache {

struct RateLimits {
  double user_per_s = 0;  // 0: off
  double user_burst = 0;  // bucket size; 0: twice the rate (at least 1)
  double ip_per_s = 0;
  double ip_burst = 0;
  [[nodiscard]] bool Any() const { return user_per_s > 0 || ip_per_s > 0; }
};

class RateLimiter {
 public:
  // `shared` may be null (this process only); it must outlive the limiter.
  RateLimiter(Cache* shared, const Clock& clock, RateLimits limits);
  // Takes a token from the user's bucket (when `user` is not empty) and the address's (when `ip`
  // is not empty); refused with the time until a token is back when either is empty.
  TokenDecision Check(std::string_view user, std::string_view ip);
  [[nodiscard]] const RateLimits& limits() const { return limits_; }

 private:
  TokenDecision Take(const std::string& key, double rate, double burst);
  Cache* shared_;
  MemoryCache local_;
  const RateLimits limits_;
};

// The burst used for a rate: `burst` when set, else twice the rate (at least 1).
double EffectiveBurst(double rate, double burst);

}  // namespace hotpath::cache
