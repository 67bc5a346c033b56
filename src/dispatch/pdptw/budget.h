#pragma once
// When a search must stop: a wall-clock deadline and an optional cap on iterations. Iteration
// caps make runs reproducible for a seed (tests use them); the deadline is always respected.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace hotpath::dispatch::pdptw {

class Budget {
 public:
  using Clock = std::chrono::steady_clock;

  Budget(Clock::time_point start, Clock::time_point deadline, int64_t max_iterations)
      : start_(start), deadline_(deadline), max_iterations_(max_iterations) {}

  [[nodiscard]] bool TimeUp() const { return Clock::now() >= deadline_; }
  // Fraction of the wall-clock budget used, in [0, 1].
  [[nodiscard]] double Elapsed() const {
    double total = std::chrono::duration<double>(deadline_ - start_).count();
    double used = std::chrono::duration<double>(Clock::now() - start_).count();
    return total <= 0 ? 1.0 : std::min(1.0, used / total);
  }
  [[nodiscard]] Clock::time_point start() const { return start_; }
  [[nodiscard]] Clock::time_point deadline() const { return deadline_; }
  [[nodiscard]] int64_t max_iterations() const { return max_iterations_; }  // <= 0: unlimited
  // A sub-budget ending at `fraction` of this one's span.
  [[nodiscard]] Budget Until(double fraction, int64_t max_iterations) const {
    auto end = start_ + std::chrono::duration_cast<Clock::duration>((deadline_ - start_) * fraction);
    return Budget(start_, end, max_iterations);
  }

 private:
  Clock::time_point start_;
  Clock::time_point deadline_;
  int64_t max_iterations_;
};

}  // namespace hotpath::dispatch::pdptw
