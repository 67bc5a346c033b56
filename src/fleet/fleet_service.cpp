#include "fleet/fleet_service.h"

#include <fmt/format.h>

namespace hotpath::fleet {
using identity::Role;
using storage::Connection;
using storage::Row;
using storage::SqlValue;

std::string_view StatusName(RiderStatus s) {
  switch (s) {
    case RiderStatus::kOffline:
      return "offline";
    case RiderStatus::kAvailable:
      return "available";
    case RiderStatus::kBusy:
      return "busy";
  }
  return "offline";
}

namespace {
RiderStatus ParseStatus(const std::string& s) {
  if (s == "available") return RiderStatus::kAvailable;
  if (s == "busy") return RiderStatus::kBusy;
  return RiderStatus::kOffline;
}
Rider RiderFromRow(const Row& r) {
  Rider out{r.Text(0), ParseStatus(r.Text(1)), std::nullopt, r.OptText(4).value_or(""), r.Int(5)};
  if (!r.IsNull(2)) out.position = geo::Point{r.Double(2), r.Double(3)};
  return out;
}
constexpr const char* kCols = "user_id, status, lat, lon, zone_id, updated_at";

Result<std::optional<Rider>> Load(Connection& c, const std::string& id) {
  std::optional<Rider> out;
  HP_TRY(c.Query(fmt::format("SELECT {} FROM riders WHERE user_id = ?", kCols), {id},
                 [&](const Row& r) { out = RiderFromRow(r); }));
  return out;
}
}  // namespace

FleetService::FleetService(storage::Database& db, const Clock& clock,
                           std::function<std::optional<std::string>(geo::Point)> zone_at,
                           std::function<void()> on_available)
    : db_(db), clock_(clock), zone_at_(std::move(zone_at)), on_available_(std::move(on_available)) {}

Result<Rider> FleetService::Upsert(const identity::Principal& who, std::optional<geo::Point> at, bool online,
                                   bool require_online) {
  HP_TRY(identity::RequireRole(who, {Role::kRider}));
  Millis now = clock_.NowMillis();
  std::string zone = at ? zone_at_(*at).value_or("") : "";
  auto r = db_.Write<Rider>([&](Connection& c) -> Result<Rider> {
    HP_ASSIGN(auto current, Load(c, who.user_id));
    Rider rider = current.value_or(Rider{who.user_id, RiderStatus::kOffline, std::nullopt, "", now});
    if (require_online && rider.status == RiderStatus::kOffline) {
      return Error::Conflict("rider is offline; go online first");
    }
    if (!online && rider.status == RiderStatus::kBusy) {
      return Error::Conflict("rider is carrying an order; deliver it before going offline");
    }
    if (online && rider.status == RiderStatus::kOffline) rider.status = RiderStatus::kAvailable;
    if (!online) rider.status = RiderStatus::kOffline;
    if (at) {
      rider.position = *at;
      rider.zone_id = zone;
    }
    rider.updated_at = now;
    HP_TRY(c.Exec(
        "INSERT INTO riders(user_id,status,lat,lon,zone_id,updated_at) VALUES (?,?,?,?,?,?) "
        "ON CONFLICT(user_id) DO UPDATE SET status=excluded.status, lat=excluded.lat, lon=excluded.lon, "
        "zone_id=excluded.zone_id, updated_at=excluded.updated_at",
        {rider.id, std::string(StatusName(rider.status)),
         rider.position ? SqlValue(rider.position->lat) : SqlValue(nullptr),
         rider.position ? SqlValue(rider.position->lon) : SqlValue(nullptr),
         rider.zone_id.empty() ? SqlValue(nullptr) : SqlValue(rider.zone_id), now}));
    if (listener_) c.AfterCommit([this, rider] { listener_(rider); });
    return rider;
  });
  if (r.ok() && r->status == RiderStatus::kAvailable && on_available_) on_available_();
  return r;
}

Result<Rider> FleetService::GoOnline(const identity::Principal& rider, geo::Point at) {
  return Upsert(rider, at, true, false);
}
Result<Rider> FleetService::GoOffline(const identity::Principal& rider) {
  return Upsert(rider, std::nullopt, false, false);
}
Result<Rider> FleetService::UpdateLocation(const identity::Principal& rider, geo::Point at) {
  return Upsert(rider, at, true, true);
}

Result<Rider> FleetService::Get(const std::string& rider_id) {
  auto r = db_.Read<std::optional<Rider>>([&](Connection& c) { return Load(c, rider_id); });
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return Rider{rider_id, RiderStatus::kOffline, std::nullopt, "", 0};
  return std::move(**r);
}

Result<std::vector<Rider>> FleetService::Available(const std::string& zone_id) {
  return db_.Read<std::vector<Rider>>([&](Connection& c) -> Result<std::vector<Rider>> {
    std::vector<Rider> out;
    HP_TRY(
        c.Query(fmt::format("SELECT {} FROM riders WHERE status = 'available' AND COALESCE(zone_id,'') = ? "
                            "AND lat IS NOT NULL",
                            kCols),
                {zone_id}, [&](const Row& r) { out.push_back(RiderFromRow(r)); }));
    if (position_source_) {
      for (auto& rider : out) {
        if (auto p = position_source_(rider.id)) rider.position = *p;
      }
    }
    return out;
  });
}

Status FleetService::ClaimRider(Connection& c, const std::string& rider_id, Millis now) {
  HP_ASSIGN(
      auto n,
      c.Exec("UPDATE riders SET status = 'busy', updated_at = ? WHERE user_id = ? AND status = 'available'",
             {now, rider_id}));
  if (n != 1) return Error::Conflict("rider is no longer available");
  if (listener_) c.AfterCommit([this, rider_id, now] { listener_(Rider{rider_id, RiderStatus::kBusy, std::nullopt, "", now}); });
  return OkStatus();
}

Status FleetService::ReleaseRider(Connection& c, const std::string& rider_id, Millis now) {
  HP_ASSIGN(
      auto n,
      c.Exec("UPDATE riders SET status = 'available', updated_at = ? WHERE user_id = ? AND status = 'busy'",
             {now, rider_id}));
  if (n == 1 && listener_) {
    c.AfterCommit([this, rider_id, now] { listener_(Rider{rider_id, RiderStatus::kAvailable, std::nullopt, "", now}); });
  }
  return OkStatus();
}

}  // namespace hotpath::fleet
