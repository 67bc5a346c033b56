#include "core/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cmath>
#include <ctime>

namespace hotpath::json {

Result<bj::object> ParseObject(std::string_view body, bool allow_empty) {
  if (body.empty()) {
    if (allow_empty) return bj::object{};
    return Error::Invalid("request body is empty; a JSON object is required");
  }
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (ec) return Error::Invalid(fmt::format("malformed JSON: {}", ec.message()));
  if (!v.is_object()) return Error::Invalid("request body must be a JSON object");
  return std::move(v.as_object());
}

Status FieldErrors::ToStatus(std::string_view what) const {
  if (list_.empty()) return OkStatus();
  return Error::Invalid(std::string(what), list_);
}

ObjectReader::ObjectReader(const bj::value& value, FieldErrors& errors, std::string path)
    : errors_(errors), path_(std::move(path)) {
  if (value.is_object()) {
    object_ = &value.as_object();
  } else {
    errors_.Add(path_.empty() ? "$" : path_, "must be an object");
  }
}

ObjectReader::ObjectReader(const bj::object& object, FieldErrors& errors, std::string path)
    : object_(&object), errors_(errors), path_(std::move(path)) {}

std::string ObjectReader::Child(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}
std::string ObjectReader::Child(std::string_view key, std::size_t index) const {
  return fmt::format("{}[{}]", Child(key), index);
}

void ObjectReader::Fail(std::string_view key, std::string reason) {
  errors_.Add(Child(key), std::move(reason));
}

const bj::value* ObjectReader::Find(std::string_view key, bool required) {
  if (!object_) return nullptr;
  seen_.emplace(key);
  auto it = object_->find(key);
  if (it == object_->end() || (it->value().is_null() && !required)) {
    if (required) Fail(key, "is required");
    return nullptr;
  }
  if (it->value().is_null()) {
    Fail(key, "must not be null");
    return nullptr;
  }
  return &it->value();
}

std::optional<std::string> ObjectReader::String(std::string_view key, bool required, std::size_t min_len,
                                                std::size_t max_len) {
  const bj::value* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, "must be a string");
    return std::nullopt;
  }
  std::string s(v->as_string());
  if (s.size() < min_len || s.size() > max_len) {
    Fail(key, fmt::format("length must be between {} and {}", min_len, max_len));
    return std::nullopt;
  }
  if (min_len > 0 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; })) {
    Fail(key, "must not be blank");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> ObjectReader::Int(std::string_view key, bool required, std::int64_t min,
                                              std::int64_t max) {
  const bj::value* v = Find(key, required);
  if (!v) return std::nullopt;
  std::int64_t out = 0;
  if (v->is_int64()) {
    out = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_double() && std::nearbyint(v->as_double()) == v->as_double() &&
             std::fabs(v->as_double()) < 9e15) {
    out = static_cast<std::int64_t>(v->as_double());
  } else {
    Fail(key, "must be an integer");
    return std::nullopt;
  }
  if (out < min || out > max) {
    Fail(key, fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return out;
}

std::optional<double> ObjectReader::Number(std::string_view key, bool required, double min, double max) {
  const bj::value* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    Fail(key, "must be a number");
    return std::nullopt;
  }
  double d = v->to_number<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    Fail(key, fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> ObjectReader::Bool(std::string_view key, bool required) {
  const bj::value* v = Find(key, required);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    Fail(key, "must be a boolean");
    return std::nullopt;
  }
  return v->as_bool();
}

const bj::array* ObjectReader::Array(std::string_view key, bool required, std::size_t max_items) {
  const bj::value* v = Find(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    Fail(key, "must be an array");
    return nullptr;
  }
  if (v->as_array().size() > max_items) {
    Fail(key, fmt::format("must have at most {} items", max_items));
    return nullptr;
  }
  return &v->as_array();
}

const bj::value* ObjectReader::Value(std::string_view key, bool required) { return Find(key, required); }

void ObjectReader::Done() {
  if (!object_) return;
  for (const auto& kv : *object_) {
    if (!seen_.contains(std::string_view(kv.key()))) Fail(kv.key(), "is not a known field");
  }
}

std::optional<LatLon> ReadLatLon(ObjectReader& parent, std::string_view key, bool required,
                                 FieldErrors& errors) {
  const bj::value* v = parent.Value(key, required);
  if (!v) return std::nullopt;
  ObjectReader r(*v, errors, parent.Child(key));
  auto lat = r.Number("lat", true, -90, 90);
  auto lon = r.Number("lon", true, -180, 180);
  r.Done();
  if (!lat || !lon) return std::nullopt;
  return LatLon{*lat, *lon};
}

std::optional<std::int64_t> ReadMoney(ObjectReader& parent, std::string_view key, bool required,
                                      std::string_view currency, FieldErrors& errors) {
  const bj::value* v = parent.Value(key, required);
  if (!v) return std::nullopt;
  ObjectReader r(*v, errors, parent.Child(key));
  auto amount = r.Int("amount", true, 0, 100'000'000);
  auto cur = r.String("currency", true, 3, 3);
  r.Done();
  if (cur && *cur != currency) {
    errors.Add(parent.Child(key) + ".currency", fmt::format("must be {}", currency));
    return std::nullopt;
  }
  if (!amount || !cur) return std::nullopt;
  return amount;
}

bj::object ToJson(const LatLon& p) { return bj::object{{"lat", p.lat}, {"lon", p.lon}}; }

bj::object MoneyJson(std::int64_t amount, std::string_view currency) {
  return bj::object{{"amount", amount}, {"currency", currency}};
}

// Civil dates without the C library (gmtime_r/timegm take locks and normalise a whole struct tm):
// the era-based conversion between days and year/month/day of the proleptic Gregorian calendar.
std::int64_t DaysFromCivil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;                                    // [0, 399]
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // from March 1st
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void CivilFromDays(std::int64_t days, std::int64_t& year, int& month, int& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t mp = (5 * day_of_year + 2) / 153;  // month from March, [0, 11]
  day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

void AppendTime(std::string& out, std::int64_t unix_millis) {
  const std::int64_t days = unix_millis >= 0 ? unix_millis / 86400000 : -((-unix_millis + 86399999) / 86400000);
  const std::int64_t in_day = unix_millis - days * 86400000;  // [0, 86399999]
  std::int64_t year = 0;
  int month = 0, day = 0;
  CivilFromDays(days, year, month, day);
  if (year < 0 || year > 9999) {  // outside RFC 3339's four digits: not worth a fast path
    out += fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day, in_day / 3600000,
                       in_day / 60000 % 60, in_day / 1000 % 60, in_day % 1000);
    return;
  }
  char buf[24];
  auto two = [&](int at, std::int64_t v) {
    buf[at] = static_cast<char>('0' + v / 10);
    buf[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, year / 100);
  two(2, year % 100);
  buf[4] = '-';
  two(5, month);
  buf[7] = '-';
  two(8, day);
  buf[10] = 'T';
  two(11, in_day / 3600000);
  buf[13] = ':';
  two(14, in_day / 60000 % 60);
  buf[16] = ':';
  two(17, in_day / 1000 % 60);
  buf[19] = '.';
  const std::int64_t ms = in_day % 1000;
  buf[20] = static_cast<char>('0' + ms / 100);
  two(21, ms % 100);
  buf[23] = 'Z';
  out.append(buf, sizeof buf);
}

std::string FormatTime(std::int64_t unix_millis) {
  std::string out;
  out.reserve(24);
  AppendTime(out, unix_millis);
  return out;
}

}  // namespace hotpath::json
