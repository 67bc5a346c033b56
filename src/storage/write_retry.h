#pragma once
// When a failed write batch (serialization failure, deadlock, connection lost before COMMIT) runs
// again, and when it gives up. Retries are bounded by time, not only by count: under contention
// from another process that keeps committing, each failed attempt means someone else made
// progress, and a fixed count of quick retries ran out in well under a second on a loaded machine
// (a caller then got "unavailable" for a write that only had to wait its turn). Pauses grow
// exponentially with full jitter, so writers of two processes that conflicted once do not come back
// in lockstep and conflict again.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace hotpath::storage {

struct WriteRetryPolicy {
  int min_attempts = 8;                                  // always tried this often
  std::chrono::milliseconds budget{5000};                // then: more attempts while within this
  std::chrono::milliseconds first_pause{2};              // upper bound of the first pause
  std::chrono::milliseconds max_pause{200};              // upper bound of any pause
};

class WriteRetry {
 public:
  using Clock = std::chrono::steady_clock;
  WriteRetry(WriteRetryPolicy policy, std::uint64_t seed, Clock::time_point started)
      : policy_(policy), rng_(seed), started_(started), bound_(policy.first_pause) {}

  // Called after a failed attempt at `now`: the pause before the next attempt (at least 1 ms), or
  // nullopt when the batch should fail (at least min_attempts made and the budget is spent).
  std::optional<std::chrono::milliseconds> AfterFailure(Clock::time_point now) {
    ++attempts_;
    if (attempts_ >= policy_.min_attempts && now - started_ >= policy_.budget) return std::nullopt;
    std::uniform_int_distribution<std::int64_t> pick(1, std::max<std::int64_t>(1, bound_.count()));
    auto pause = std::chrono::milliseconds(pick(rng_));
    bound_ = std::min(bound_ * 2, policy_.max_pause);
    return pause;
  }
  [[nodiscard]] int attempts() const { return attempts_; }  // failed attempts so far

 private:
  WriteRetryPolicy policy_;
  std::mt19937_64 rng_;
  Clock::time_point started_;
  std::chrono::milliseconds bound_;
  int attempts_ = 0;
};

}  // namespace hotpath::storage
