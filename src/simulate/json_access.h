#pragma once
// Lenient reads of the server's JSON answers: a missing or mistyped field reads as empty, so an
// unexpected answer is counted as an error by the caller instead of throwing in a worker thread.

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/geo.h"

namespace hotpath::simulate {

inline const boost::json::value& Field(const boost::json::value& v, std::string_view key) {
  static const boost::json::value kNull;
  if (const auto* o = v.if_object()) {
    if (const auto* f = o->if_contains(key)) return *f;
  }
  return kNull;
}

inline std::string Str(const boost::json::value& v, std::string_view key) {
  const auto& f = Field(v, key);
  return f.is_string() ? std::string(f.get_string()) : std::string();
}

inline const boost::json::array& Items(const boost::json::value& v, std::string_view key) {
  static const boost::json::array kEmpty;
  const auto& f = Field(v, key);
  return f.is_array() ? f.get_array() : kEmpty;
}

inline bool Flag(const boost::json::value& v, std::string_view key) {
  const auto& f = Field(v, key);
  return f.is_bool() && f.get_bool();
}

inline std::optional<geo::Point> PointOf(const boost::json::value& v) {
  const auto& lat = Field(v, "lat");
  const auto& lon = Field(v, "lon");
  if (!lat.is_number() || !lon.is_number()) return std::nullopt;
  return geo::Point{lat.to_number<double>(), lon.to_number<double>()};
}

}  // namespace hotpath::simulate
