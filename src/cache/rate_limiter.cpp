#include "cache/rate_limiter.h"

#include <algorithm>
#include <string>

namespace hotpath::cache {

double EffectiveBurst(double rate, double burst) { return burst > 0 ? burst : std::max(1.0, 2 * rate); }

RateLimiter::RateLimiter(Cache* shared, const Clock& clock, RateLimits limits)
    : shared_(shared), local_(clock), limits_(limits) {}

TokenDecision RateLimiter::Take(const std::string& key, double rate, double burst) {
  if (shared_) {
    auto d = shared_->TakeToken(key, rate, burst);
    if (d.ok()) return *d;
  }
  return local_.TakeToken(key, rate, burst).value();
}

TokenDecision RateLimiter::Check(std::string_view user, std::string_view ip) {
  if (!user.empty() && limits_.user_per_s > 0) {
    auto d = Take("hp:rl:u:" + std::string(user), limits_.user_per_s,
                  EffectiveBurst(limits_.user_per_s, limits_.user_burst));
    if (!d.allowed) return d;
  }
  if (!ip.empty() && limits_.ip_per_s > 0) {
    auto d = Take("hp:rl:ip:" + std::string(ip), limits_.ip_per_s, EffectiveBurst(limits_.ip_per_s, limits_.ip_burst));
    if (!d.allowed) return d;
  }
  return TokenDecision{true, 0};
}

}  // namespace hotpath::cache
