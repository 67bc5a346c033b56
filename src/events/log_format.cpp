#include "events/log_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <cstring>
#include <filesystem>

namespace hotpath::events::logfmt {
namespace {

void PutU32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 4);
}
void PutU64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 8);
}
std::uint32_t GetU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
std::uint64_t GetU64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

std::uint32_t Crc32cPortable(const void* data, std::size_t n) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data, n);
  return crc.checksum();
}

namespace {
#if defined(__x86_64__)
// The SSE 4.2 crc32 instruction computes exactly this CRC, 8 bytes at a time (every record of the
// embedded log is checksummed: rider locations make that tens of thousands per second).
__attribute__((target("sse4.2"))) std::uint32_t Crc32cSse42(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t crc = 0xFFFFFFFFu;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    crc = __builtin_ia32_crc32di(crc, v);
  }
  auto c = static_cast<std::uint32_t>(crc);
  for (; n > 0; --n, ++p) c = __builtin_ia32_crc32qi(c, *p);
  return c ^ 0xFFFFFFFFu;
}
#endif
}  // namespace

std::uint32_t Crc32c(const void* data, std::size_t n) {
  // CRC-32C (Castagnoli), the polynomial Kafka and ext4 use.
#if defined(__x86_64__)
  static const bool kHardware = __builtin_cpu_supports("sse4.2");
  if (kHardware) return Crc32cSse42(data, n);
#endif
  return Crc32cPortable(data, n);
}

void Encode(std::string& out, std::int64_t offset, std::int64_t timestamp, std::string_view key,
            std::string_view value) {
  std::size_t start = out.size();
  out.append(4, '\0');  // crc, filled below
  PutU32(out, static_cast<std::uint32_t>(kFixedBodyBytes + key.size() + value.size()));
  PutU64(out, static_cast<std::uint64_t>(offset));
  PutU64(out, static_cast<std::uint64_t>(timestamp));
  PutU32(out, static_cast<std::uint32_t>(key.size()));
  out.append(key);
  out.append(value);
  std::uint32_t crc = Crc32c(out.data() + start + 4, out.size() - start - 4);
  for (int i = 0; i < 4; ++i) out[start + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

DecodeStatus Decode(std::string_view data, Decoded* out) {
  if (data.size() < kHeaderBytes) return DecodeStatus::kIncomplete;
  std::uint32_t crc = GetU32(data.data());
  std::uint32_t len = GetU32(data.data() + 4);
  if (len < kFixedBodyBytes || len > kMaxBodyBytes) return DecodeStatus::kCorrupt;
  if (data.size() < kHeaderBytes + len) return DecodeStatus::kIncomplete;
  if (Crc32c(data.data() + 4, 4 + len) != crc) return DecodeStatus::kCorrupt;
  const char* body = data.data() + kHeaderBytes;
  std::uint32_t key_len = GetU32(body + 16);
  if (key_len > len - kFixedBodyBytes) return DecodeStatus::kCorrupt;
  out->offset = static_cast<std::int64_t>(GetU64(body));
  out->timestamp = static_cast<std::int64_t>(GetU64(body + 8));
  out->key = std::string_view(body + kFixedBodyBytes, key_len);
  out->value = std::string_view(body + kFixedBodyBytes + key_len, len - kFixedBodyBytes - key_len);
  out->size = kHeaderBytes + len;
  return DecodeStatus::kOk;
}

std::string SegmentName(std::int64_t base_offset) { return fmt::format("{:020d}.log", base_offset); }

std::vector<std::int64_t> ListSegments(const std::string& dir) {
  std::vector<std::int64_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 24 || name.substr(20) != ".log") continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) continue;
    out.push_back(std::stoll(name.substr(0, 20)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hotpath::events::logfmt
