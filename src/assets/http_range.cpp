#include "assets/http_range.h"

#include <charconv>

namespace hotpath::assets {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> Number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view Opaque(std::string_view tag) {
  tag = Trim(tag);
  if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
  return tag;
}

}  // namespace

bool NoneMatch(std::string_view header, std::string_view etag) {
  if (Trim(header) == "*") return true;
  while (!header.empty()) {
    auto comma = header.find(',');
    if (Opaque(header.substr(0, comma)) == Opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

RangeDecision DecideRange(std::optional<std::string_view> range, std::optional<std::string_view> if_range,
                          std::string_view etag, std::uint64_t size) {
  RangeDecision full;
  if (!range) return full;
  // If-Range with a strong validator must match exactly (a date or weak tag never does here).
  if (if_range && Trim(*if_range) != etag) return full;
  std::string_view spec = Trim(*range);
  constexpr std::string_view kUnit = "bytes=";
  if (spec.rfind(kUnit, 0) != 0) return full;
  spec = Trim(spec.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return full;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  auto first_text = Trim(spec.substr(0, dash));
  auto last_text = Trim(spec.substr(dash + 1));
  RangeDecision d;
  d.outcome = RangeOutcome::kPartial;
  if (first_text.empty()) {  // suffix: the last N bytes
    auto n = Number(last_text);
    if (!n) return full;
    if (*n == 0 || size == 0) return {RangeOutcome::kUnsatisfiable, {}};
    d.range = {size - std::min(*n, size), size - 1};
    return d;
  }
  auto first = Number(first_text);
  if (!first) return full;
  std::optional<std::uint64_t> last;
  if (!last_text.empty()) {
    last = Number(last_text);
    if (!last || *last < *first) return full;  // invalid range-spec: ignore the header
  }
  if (*first >= size) return {RangeOutcome::kUnsatisfiable, {}};
  d.range = {*first, last ? std::min(*last, size - 1) : size - 1};
  return d;
}

}  // namespace hotpath::assets
