#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "core/clock.h"

namespace hotpath {
namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};
void EnsureSodium() { static SodiumInit once; }
}  // namespace

void RandomBytes(void* out, std::size_t n) {
  EnsureSodium();
  randombytes_buf(out, n);
}

// Ids are drawn from a per-thread pool of OS randomness refilled 4 KiB at a time: the same
// unpredictability, one getrandom system call per 256 ids instead of one per id.
void PooledRandomBytes(void* out, std::size_t n) {
  thread_local std::array<unsigned char, 4096> pool{};
  thread_local std::size_t used = pool.size();
  if (n > pool.size()) return RandomBytes(out, n);
  if (used + n > pool.size()) {
    RandomBytes(pool.data(), pool.size());
    used = 0;
  }
  std::memcpy(out, pool.data() + used, n);
  sodium_memzero(pool.data() + used, n);
  used += n;
}

namespace {
using IdBytes = std::array<unsigned char, 16>;

void PutMillis(IdBytes& bytes, Millis unix_millis) {
  const auto t = static_cast<std::uint64_t>(unix_millis);
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(t >> (8 * (5 - i)));
}

std::string Encode(std::string_view prefix, const IdBytes& bytes) {
  // The alphabet is in ASCII order, so the text sorts like the bytes.
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string out(prefix);
  out.push_back('_');
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}
}  // namespace

// Within one process ids are strictly increasing: an id in the same millisecond as the previous
// one (or after the clock stepped back) keeps the previous time and adds a random 1..2^32 to its
// random part, so consumers can order what one process created (ULID's monotonic mode, without
// making the next id guessable from the last).
std::string NewId(std::string_view prefix) {
  static std::mutex mu;
  static Millis last_ms = 0;
  static IdBytes last{};
  const Millis now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  std::uint32_t step = 0;
  PooledRandomBytes(reinterpret_cast<unsigned char*>(&step), sizeof step);
  IdBytes bytes{};
  {
    std::lock_guard lock(mu);
    if (now > last_ms) {
      last_ms = now;
      PutMillis(last, now);
      PooledRandomBytes(last.data() + 6, last.size() - 6);
    } else {
      std::uint64_t carry = std::uint64_t{step} + 1;
      for (int i = 15; i >= 6 && carry != 0; --i) {
        carry += last[i];
        last[i] = static_cast<unsigned char>(carry & 0xff);
        carry >>= 8;
      }
      if (carry != 0) PutMillis(last, ++last_ms);  // 80 bits ran over: borrow the next millisecond
    }
    bytes = last;
  }
  return Encode(prefix, bytes);
}

std::string NewIdAt(std::string_view prefix, Millis unix_millis) {
  IdBytes bytes{};
  PutMillis(bytes, unix_millis);
  PooledRandomBytes(bytes.data() + 6, bytes.size() - 6);
  return Encode(prefix, bytes);
}

}  // namespace hotpath
