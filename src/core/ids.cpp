#include <sodium.h>

#include <array>
#include <cstring>
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

namespace {
// Ids are drawn from a per-thread pool of OS randomness refilled 4 KiB at a time: the same
// unpredictability, one getrandom system call per 256 ids instead of one per id.
void PooledRandomBytes(unsigned char* out, std::size_t n) {
  thread_local std::array<unsigned char, 4096> pool{};
  thread_local std::size_t used = pool.size();
  if (used + n > pool.size()) {
    RandomBytes(pool.data(), pool.size());
    used = 0;
  }
  std::memcpy(out, pool.data() + used, n);
  sodium_memzero(pool.data() + used, n);
  used += n;
}
}  // namespace

std::string NewId(std::string_view prefix) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::array<unsigned char, 16> bytes{};
  PooledRandomBytes(bytes.data(), bytes.size());
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

}  // namespace hotpath
