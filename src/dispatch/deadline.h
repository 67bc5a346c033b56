#pragma once
// Deadline: when Solve must return. Solve checks it between phases and inside local search, and always
// returns a feasible plan (the matching is never skipped).

#include <chrono>

namespace hotpath::dispatch {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  static Deadline After(std::chrono::milliseconds budget) { return Deadline(Clock::now() + budget); }
  static Deadline Never() { return Deadline(Clock::time_point::max()); }
  explicit Deadline(Clock::time_point at) : at_(at) {}
  [[nodiscard]] bool Expired() const { return at_ != Clock::time_point::max() && Clock::now() >= at_; }

 private:
  Clock::time_point at_;
};

}  // namespace hotpath::dispatch
