#pragma once
// Seeded random source of one search thread; the same seed gives the same sequence on every run.

#include <cstdint>
#include <random>

namespace hotpath::dispatch::pdptw {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform integer in [lo, hi].
  int Int(int lo, int hi) { return lo + static_cast<int>(engine_() % static_cast<uint64_t>(hi - lo + 1)); }
  // Uniform real in [0, 1).
  double Real() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  template <typename It>
  void Shuffle(It first, It last) {
    for (auto n = last - first; n > 1; --n) std::swap(first[n - 1], first[Int(0, static_cast<int>(n - 1))]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace hotpath::dispatch::pdptw
