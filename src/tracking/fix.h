#pragma once
// A rider's location fix and the pure rules that accept, flag or reject a batch of them.
//
// Rejected (the whole batch, 400 with one field error per offending fix): coordinates out of range,
// a bad RFC 3339 time, a time more than 2 minutes ahead of the server's clock, a time not after the
// rider's latest fix (or the previous fix of the batch), more than kMaxBatch fixes.
// Flagged (the batch is accepted, the fix is not applied): a jump from the last applied position
// implying more than kMaxSpeedKmh.
// Duplicates (skipped, counted, not an error): a fix with the same time and position as the last
// applied one, which is what a phone resends when the answer to its previous batch was lost.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/geo.h"
#include "core/json.h"
#include "core/result.h"

namespace hotpath::tracking {

inline constexpr std::size_t kMaxBatch = 1000;
inline constexpr Millis kMaxFutureMs = 2 * 60 * 1000;
inline constexpr double kMaxSpeedKmh = 200.0;

struct Fix {
  geo::Point position;
  Millis at = 0;
  std::optional<double> accuracy_m;
  std::optional<double> speed_mps;
  std::optional<double> heading_deg;
};

// Reads the `fixes` array of a request object (other members are the caller's to read); field
// errors go to `errors` with paths like "fixes[3].lat".
std::vector<Fix> ReadFixes(json::ObjectReader& body, json::FieldErrors& errors);

struct FlaggedFix {
  std::size_t index = 0;
  std::string reason;
  double implied_kmh = 0;
};

struct BatchVerdict {
  std::vector<std::size_t> applied;  // indexes of the fixes to apply, in order
  std::vector<FlaggedFix> flagged;
  std::size_t duplicates = 0;
};

// Checks a parsed batch against the rider's latest applied fix (none for a rider never seen).
// kInvalidArgument naming every rejected fix, or which fixes apply and which are flagged.
Result<BatchVerdict> CheckBatch(const std::vector<Fix>& fixes, const std::optional<Fix>& latest, Millis now);

}  // namespace hotpath::tracking
