#pragma once
// Riders: online/offline, position, and availability. A rider is `available` (online, free),
// `busy` (online, carrying an order) or `offline`. The assignment of orders claims and releases
// riders inside the order's own transaction through ClaimRider/ReleaseRider.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/geo.h"
#include "core/result.h"
#include "identity/principal.h"
#include "storage/database.h"

namespace hotpath::fleet {

enum class RiderStatus { kOffline, kAvailable, kBusy };
std::string_view StatusName(RiderStatus s);

struct Rider {
  std::string id;  // the rider's user id
  RiderStatus status = RiderStatus::kOffline;
  std::optional<geo::Point> position;
  std::string zone_id;
  Millis updated_at = 0;
};

class FleetService {
 public:
  // `zone_at` maps a position to its zone (catalog); `on_available` wakes the assigner.
  FleetService(storage::Database& db, const Clock& clock,
               std::function<std::optional<std::string>(geo::Point)> zone_at,
               std::function<void()> on_available);

  Result<Rider> GoOnline(const identity::Principal& rider, geo::Point at);
  Result<Rider> GoOffline(const identity::Principal& rider);
  Result<Rider> UpdateLocation(const identity::Principal& rider, geo::Point at);
  Result<Rider> Get(const std::string& rider_id);
  // Available riders in a zone ("" = riders outside every zone).
  Result<std::vector<Rider>> Available(const std::string& zone_id);

  // Inside an order transaction: available -> busy. kConflict if the rider is no longer available.
  Status ClaimRider(storage::Connection& c, const std::string& rider_id, Millis now);
  // busy -> available (unless the rider went offline meanwhile).
  Status ReleaseRider(storage::Connection& c, const std::string& rider_id, Millis now);

  // Told every committed change of a rider's status or fleet-set position (tracking keeps its live
  // view with it). Runs after the commit on the writer thread: must not block. Set before serving.
  void SetListener(std::function<void(const Rider&)> listener) { listener_ = std::move(listener); }
  // A fresher position than the database's (tracking's latest fix); Available() uses it. Set before serving.
  void SetPositionSource(std::function<std::optional<geo::Point>(const std::string&)> source) {
    position_source_ = std::move(source);
  }

 private:
  Result<Rider> Upsert(const identity::Principal& rider, std::optional<geo::Point> at, bool online,
                       bool require_online);
  storage::Database& db_;
  const Clock& clock_;
  std::function<std::optional<std::string>(geo::Point)> zone_at_;
  std::function<void()> on_available_;
  std::function<void(const Rider&)> listener_;
  std::function<std::optional<geo::Point>(const std::string&)> position_source_;
};

}  // namespace hotpath::fleet
