#include "tracking/fix.h"

#include <fmt/format.h>

#include <cmath>

#include "events/cloud_event.h"

namespace hotpath::tracking {
namespace {

// The common case without ObjectReader's bookkeeping: an object of known members, each valid.
// Anything else (so every error) goes through ObjectReader, which names the problem.
std::optional<Fix> ReadValidFix(const boost::json::value& value) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  Fix f;
  bool lat = false, lon = false, at = false;
  for (const auto& member : *object) {
    const std::string_view key = member.key();
    const boost::json::value& v = member.value();
    auto number = [&](double min, double max) -> std::optional<double> {
      if (!v.is_number()) return std::nullopt;
      const double d = v.to_number<double>();
      if (!std::isfinite(d) || d < min || d > max) return std::nullopt;
      return d;
    };
    std::optional<double> n;
    if (key == "lat") {
      if (!(n = number(-90, 90))) return std::nullopt;
      f.position.lat = *n;
      lat = true;
    } else if (key == "lon") {
      if (!(n = number(-180, 180))) return std::nullopt;
      f.position.lon = *n;
      lon = true;
    } else if (key == "at") {
      if (!v.is_string() || v.get_string().empty() || v.get_string().size() > 64) return std::nullopt;
      auto t = events::ParseRfc3339(v.get_string());
      if (!t.ok()) return std::nullopt;
      f.at = *t;
      at = true;
    } else if (key == "accuracy_m") {
      if (!(f.accuracy_m = number(0, 100000))) return std::nullopt;
    } else if (key == "speed_mps") {
      if (!(f.speed_mps = number(0, 150))) return std::nullopt;
    } else if (key == "heading_deg") {
      if (!(f.heading_deg = number(0, 360))) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (!lat || !lon || !at) return std::nullopt;
  return f;
}

}  // namespace

std::vector<Fix> ReadFixes(json::ObjectReader& body, json::FieldErrors& errors) {
  std::vector<Fix> out;
  const auto* list = body.Array("fixes", true, SIZE_MAX);
  if (!list) return out;
  if (list->empty()) {
    errors.Add("fixes", "must hold at least one fix");
    return out;
  }
  if (list->size() > kMaxBatch) {
    errors.Add("fixes", fmt::format("holds {} fixes; a batch holds at most {}", list->size(), kMaxBatch));
    return out;
  }
  out.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (auto valid = ReadValidFix((*list)[i])) {
      out.push_back(*valid);
      continue;
    }
    const std::string path = fmt::format("fixes[{}]", i);
    json::ObjectReader r((*list)[i], errors, path);
    Fix f;
    auto lat = r.Number("lat", true, -90, 90);
    auto lon = r.Number("lon", true, -180, 180);
    auto at = r.String("at", true, 1, 64);
    f.accuracy_m = r.Number("accuracy_m", false, 0, 100000);
    f.speed_mps = r.Number("speed_mps", false, 0, 150);
    f.heading_deg = r.Number("heading_deg", false, 0, 360);
    r.Done();
    if (at) {
      auto t = events::ParseRfc3339(*at);
      if (t.ok()) {
        f.at = *t;
      } else {
        errors.Add(path + ".at", "must be an RFC 3339 time such as 2026-11-25T10:00:00.000Z");
      }
    }
    if (lat && lon) f.position = geo::Point{*lat, *lon};
    out.push_back(f);
  }
  return out;
}

Result<BatchVerdict> CheckBatch(const std::vector<Fix>& fixes, const std::optional<Fix>& latest, Millis now) {
  json::FieldErrors errors;
  BatchVerdict verdict;
  std::optional<Fix> last = latest;       // the last applied fix: jumps are measured from it
  Millis last_at = latest ? latest->at : INT64_MIN;  // the newest time seen: order is checked against it
  for (std::size_t i = 0; i < fixes.size(); ++i) {
    const Fix& f = fixes[i];
    auto field = [i] { return fmt::format("fixes[{}].at", i); };
    if (f.at > now + kMaxFutureMs) {
      errors.Add(field(), fmt::format("{} is more than 2 minutes ahead of the server clock ({})",
                                    json::FormatTime(f.at), json::FormatTime(now)));
      continue;
    }
    if (last && f.at == last->at && geo::DistanceMeters(last->position, f.position) < 0.5) {
      ++verdict.duplicates;
      continue;
    }
    if (f.at <= last_at) {
      errors.Add(field(), fmt::format("{} is not after the rider's latest fix ({}); fixes must be in time order",
                                    json::FormatTime(f.at), json::FormatTime(last_at)));
      continue;
    }
    last_at = f.at;
    if (last) {
      double metres = geo::DistanceMeters(last->position, f.position);
      double kmh = metres / (static_cast<double>(f.at - last->at) / 1000.0) * 3.6;
      if (kmh > kMaxSpeedKmh) {
        verdict.flagged.push_back(FlaggedFix{
            i, fmt::format("a jump of {:.0f} m in {:.1f} s implies {:.0f} km/h (limit {:.0f})", metres,
                           static_cast<double>(f.at - last->at) / 1000.0, kmh, kMaxSpeedKmh),
            kmh});
        continue;
      }
    }
    verdict.applied.push_back(i);
    last = f;
  }
  if (!errors.empty()) {
    Error e = errors.ToStatus("the batch has rejected fixes; none was applied").error();
    return e;
  }
  return verdict;
}

}  // namespace hotpath::tracking
