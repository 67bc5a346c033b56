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

// Unguessable identifiers: "<prefix>_<26 chars of Crockford base32>" from 128 random bits.
std::string NewId(std::string_view prefix);
// Random bytes from the OS CSPRNG (libsodium).
void RandomBytes(void* out, std::size_t n);

}  // namespace hotpath
