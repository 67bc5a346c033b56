#pragma once
// Time and randomness behind interfaces so domain code and tests never read the real clock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace hotpath {

using Millis = std::int64_t;  // Unix epoch milliseconds, UTC: the storage representation of instants

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point Now() const = 0;
  [[nodiscard]] Millis NowMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that only moves when told to. For tests and simulations.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  [[nodiscard]] std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_.load()));
  }
  void Advance(std::chrono::milliseconds d) { now_ += d.count(); }
  void Set(Millis t) { now_ = t; }

 private:
  std::atomic<Millis> now_;
};

// Identifiers "<prefix>_<26 chars of Crockford base32>": 48 bits of creation time in milliseconds
// (big-endian, so ids sort by creation time and B-tree inserts append instead of splitting random
// pages) followed by 80 random bits (unguessable; unique among ids of the same millisecond).
// Within one process every id is greater than the previous one (see ids.cpp).
std::string NewId(std::string_view prefix);
// The same with a given creation time (Unix milliseconds); for tests.
std::string NewIdAt(std::string_view prefix, Millis unix_millis);
// Random bytes from the OS CSPRNG (libsodium).
void RandomBytes(void* out, std::size_t n);
// The same bytes drawn from a per-thread pool refilled from the OS 4 KiB at a time (each byte handed
// out once and wiped from the pool): for per-request ids, one system call per ~256 of them.
void PooledRandomBytes(void* out, std::size_t n);

}  // namespace hotpath
