#pragma once
// The on-disk record format of the embedded log. A partition is a directory of segment files
// named by the offset of their first record ("00000000000000000042.log"); a segment is a sequence
// of records, each
//
//   u32 crc32c   over every byte after this field
//   u32 length   of the body that follows
//   body:  i64 offset | i64 timestamp (Unix ms) | u32 key length | key | value
//
// all integers little-endian. The CRC makes a torn tail (a write cut short by a crash) and a
// flipped bit distinguishable from a valid record.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hotpath::events::logfmt {

inline constexpr std::size_t kHeaderBytes = 8;
inline constexpr std::size_t kFixedBodyBytes = 20;
inline constexpr std::uint32_t kMaxBodyBytes = 64u << 20;

std::uint32_t Crc32c(const void* data, std::size_t n);  // hardware-assisted where the CPU has it
std::uint32_t Crc32cPortable(const void* data, std::size_t n);  // the same, table-driven (tests compare)

// Appends the encoding of one record to `out`.
void Encode(std::string& out, std::int64_t offset, std::int64_t timestamp, std::string_view key,
            std::string_view value);

struct Decoded {
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;
  std::string_view key;
  std::string_view value;
  std::size_t size = 0;  // bytes the record occupies
};

enum class DecodeStatus { kOk, kIncomplete, kCorrupt };
// Decodes the record at the start of `data` (views point into `data`).
DecodeStatus Decode(std::string_view data, Decoded* out);

std::string SegmentName(std::int64_t base_offset);
// Base offsets of the segment files in a partition directory, ascending (missing dir: empty).
std::vector<std::int64_t> ListSegments(const std::string& dir);

}  // namespace hotpath::events::logfmt
