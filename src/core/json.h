#pragma once
// Strict JSON request reading on Boost.JSON: every field is checked for presence, type and range,
// unknown fields are rejected, and all problems are collected (not just the first) so a client
// sees every offending field in one 400.

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/result.h"

namespace hotpath::json {

namespace bj = boost::json;

// Parses a request body that must be one JSON object. An empty body is treated as `{}` only when
// `allow_empty` is set.
Result<bj::object> ParseObject(std::string_view body, bool allow_empty = false);

class FieldErrors {
 public:
  void Add(std::string field, std::string reason) { list_.push_back({std::move(field), std::move(reason)}); }
  [[nodiscard]] bool empty() const { return list_.empty(); }
  [[nodiscard]] const std::vector<FieldError>& list() const { return list_; }
  // OkStatus when empty, else a kInvalidArgument error carrying every field error.
  [[nodiscard]] Status ToStatus(std::string_view what = "request body failed validation") const;

 private:
  std::vector<FieldError> list_;
};

// Reads one JSON object. Each getter records an error (and returns nullopt) when the field is
// missing-but-required, of the wrong type or out of range. Call Done() at the end to flag fields
// the object had that nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const bj::value& value, FieldErrors& errors, std::string path = "");
  ObjectReader(const bj::object& object, FieldErrors& errors, std::string path = "");

  std::optional<std::string> String(std::string_view key, bool required, std::size_t min_len = 1,
                                    std::size_t max_len = 1000);
  std::optional<std::int64_t> Int(std::string_view key, bool required, std::int64_t min, std::int64_t max);
  std::optional<double> Number(std::string_view key, bool required, double min, double max);
  std::optional<bool> Bool(std::string_view key, bool required);
  const bj::array* Array(std::string_view key, bool required, std::size_t max_items);
  const bj::value* Value(std::string_view key, bool required);  // any type, marks the key as known

  // Path of a child for nested readers: "items[2]" or "delivery".
  [[nodiscard]] std::string Child(std::string_view key) const;
  [[nodiscard]] std::string Child(std::string_view key, std::size_t index) const;
  void Fail(std::string_view key, std::string reason);
  void Done();
  [[nodiscard]] bool valid_object() const { return object_ != nullptr; }

 private:
  const bj::value* Find(std::string_view key, bool required);
  const bj::object* object_ = nullptr;
  FieldErrors& errors_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

// {"lat": .., "lon": ..} with range checks.
struct LatLon {
  double lat = 0;
  double lon = 0;
};
std::optional<LatLon> ReadLatLon(ObjectReader& parent, std::string_view key, bool required,
                                 FieldErrors& errors);
bj::object ToJson(const LatLon& p);

// {"amount": int >= 0, "currency": must equal `currency`} -> amount in minor units.
std::optional<std::int64_t> ReadMoney(ObjectReader& parent, std::string_view key, bool required,
                                      std::string_view currency, FieldErrors& errors);

// {"amount": <minor units>, "currency": "USD"}
bj::object MoneyJson(std::int64_t amount, std::string_view currency);

// RFC 3339 UTC timestamp with milliseconds, e.g. "2026-11-25T07:00:00.123Z".
std::string FormatTime(std::int64_t unix_millis);
// Appends FormatTime(unix_millis) to `out` (no temporary: hot paths format into one buffer).
void AppendTime(std::string& out, std::int64_t unix_millis);
// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12; a day past the month's end
// counts on into the next month, like timegm), and the inverse.
std::int64_t DaysFromCivil(std::int64_t year, int month, int day);
void CivilFromDays(std::int64_t days, std::int64_t& year, int& month, int& day);

}  // namespace hotpath::json
