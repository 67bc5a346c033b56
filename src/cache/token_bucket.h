#pragma once
// The token bucket, as pure arithmetic: MemoryCache runs it in-process and RedisCache's Lua script
// is the same computation run atomically inside Redis (keep the two in step).

#include "cache/cache.h"
#include "core/clock.h"

namespace hotpath::cache {

struct Bucket {
  double tokens = 0;
  Millis at = 0;  // when `tokens` was computed
};

// Refills `b` for the time since b.at (never beyond `burst`), then takes one token if there is one.
// A new bucket (at == 0) starts full. `rate` > 0 tokens per second, `burst` >= 1.
TokenDecision TakeOne(Bucket& b, double rate, double burst, Millis now);

}  // namespace hotpath::cache
