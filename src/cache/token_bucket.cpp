#include "cache/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace hotpath::cache {

TokenDecision TakeOne(Bucket& b, double rate, double burst, Millis now) {
  if (b.at == 0) {
    b.tokens = burst;
    b.at = now;
  }
  if (now > b.at) {
    b.tokens = std::min(burst, b.tokens + static_cast<double>(now - b.at) * rate / 1000.0);
    b.at = now;
  }
  TokenDecision d;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.retry_after_ms = static_cast<Millis>(std::ceil((1.0 - b.tokens) * 1000.0 / rate));
  }
  return d;
}

}  // namespace hotpath::cache
