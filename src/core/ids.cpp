#include <sodium.h>

#include <array>
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

std::string NewId(std::string_view prefix) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::array<unsigned char, 16> bytes{};
  RandomBytes(bytes.data(), bytes.size());
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
