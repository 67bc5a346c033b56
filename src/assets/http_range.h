#pragma once
// HTTP conditional and range request rules (RFC 9110 13.1.2, 13.1.5, 14) for immutable assets with a
// strong ETag. Pure: the handler turns the decision into a 200, 206, 304 or 416.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hotpath::assets {

// If-None-Match: true when the list is "*" or contains `etag` (weak comparison: W/ ignored).
bool NoneMatch(std::string_view if_none_match, std::string_view etag);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

enum class RangeOutcome { kFull, kPartial, kUnsatisfiable };

struct RangeDecision {
  RangeOutcome outcome = RangeOutcome::kFull;
  ByteRange range;
};

// `range` is the Range header (absent: full). Only one "bytes=" range is honoured: several ranges,
// another unit or a malformed header are ignored (answered in full, as RFC 9110 allows). With
// If-Range not equal to `etag` the whole representation is sent. A syntactically valid range that
// starts at or after the end is unsatisfiable (416).
RangeDecision DecideRange(std::optional<std::string_view> range, std::optional<std::string_view> if_range,
                          std::string_view etag, std::uint64_t size);

}  // namespace hotpath::assets
