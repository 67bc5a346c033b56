#include "tracking/tracker.h"

#include <fmt/format.h>

#include "core/json.h"

namespace hotpath::tracking {
using fleet::RiderStatus;
using storage::Connection;
using storage::SqlValue;

namespace {
SqlValue Optional(const std::optional<double>& v) { return v ? SqlValue(*v) : SqlValue(nullptr); }

// A CloudEvent `rider.location` (hand-formatted: this runs for every fix).
std::string LocationEvent(const std::string& rider_id, const Fix& f, Millis now) {
  std::string extra;
  if (f.accuracy_m) extra += fmt::format(",\"accuracy_m\":{}", *f.accuracy_m);
  if (f.speed_mps) extra += fmt::format(",\"speed_mps\":{}", *f.speed_mps);
  if (f.heading_deg) extra += fmt::format(",\"heading_deg\":{}", *f.heading_deg);
  return fmt::format(
      R"({{"specversion":"1.0","id":"{}","source":"/hotpath/tracking","type":"rider.location","subject":"{}",)"
      R"("time":"{}","datacontenttype":"application/json","dataschema":"https://hotpath.dev/schemas/rider-location/v1",)"
      R"("data":{{"rider_id":"{}","lat":{},"lon":{},"at":"{}"{}}}}})",
      NewId("evt"), rider_id, json::FormatTime(now), rider_id, f.position.lat, f.position.lon,
      json::FormatTime(f.at), extra);
}
}  // namespace

Tracker::Tracker(storage::Database& db, const Clock& clock, const Logger& log, ZoneAt zone_at,
                 TrackerOptions options)
    : db_(db), clock_(clock), log_(log), zone_at_(std::move(zone_at)), options_(options) {}

Tracker::~Tracker() { Stop(); }

Status Tracker::Load() {
  std::vector<fleet::Rider> online;
  auto r = db_.Read<Ok>([&](Connection& c) -> Result<Ok> {
    HP_TRY(c.Query("SELECT user_id, status, lat, lon, updated_at FROM riders WHERE status <> 'offline'", {},
                   [&](const storage::Row& row) {
                     fleet::Rider rider;
                     rider.id = row.Text(0);
                     rider.status = row.Text(1) == "busy" ? RiderStatus::kBusy : RiderStatus::kAvailable;
                     if (!row.IsNull(2)) rider.position = geo::Point{row.Double(2), row.Double(3)};
                     rider.updated_at = row.Int(4);
                     online.push_back(std::move(rider));
                   }));
    return Ok{};
  });
  if (!r.ok()) return std::move(r).error();
  for (const auto& rider : online) OnRiderChanged(rider);
  return OkStatus();
}

void Tracker::Start() {
  std::lock_guard lock(loop_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Tracker::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    (void)Flush();
  }
}

void Tracker::Loop() {
  std::unique_lock lock(loop_mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.flush_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (auto st = Flush(); !st.ok()) log_.Warn("tracking flush failed", {{"error", st.error().message}});
    lock.lock();
  }
}

Result<IngestResult> Tracker::Ingest(const std::string& rider_id, const std::vector<Fix>& fixes) {
  const Millis now = clock_.NowMillis();
  IngestResult out;
  std::vector<std::pair<std::string, Fix>> trail;
  std::vector<std::size_t> applied;
  {
    std::unique_lock lock(mu_);
    auto it = riders_.find(rider_id);
    if (it == riders_.end() || it->second.status == RiderStatus::kOffline) {
      ++rejected_;
      return Error::Conflict("rider is offline; go online first (POST /v1/riders/me/online)");
    }
    RiderState& state = it->second;
    auto verdict = CheckBatch(fixes, state.latest, now);
    if (!verdict.ok()) {
      ++rejected_;
      return std::move(verdict).error();
    }
    for (auto i : verdict->applied) {
      const Fix& f = fixes[i];
      if (f.at >= state.trail_at + options_.trail_interval_ms) {
        state.trail_at = f.at;
        trail.emplace_back(rider_id, f);
      }
      state.latest = f;
    }
    if (!verdict->applied.empty()) {
      index_.Upsert(rider_id, state.latest->position, state.latest->at, state.status == RiderStatus::kAvailable);
    }
    out.accepted = verdict->applied.size();
    applied = std::move(verdict->applied);
    out.flagged = std::move(verdict->flagged);
    out.duplicates = verdict->duplicates;
    out.latest = state.latest;
  }
  applied_ += out.accepted;
  flagged_ += out.flagged.size();
  if (out.accepted == 0) return out;
  {
    std::lock_guard lock(pending_mu_);
    for (auto& t : trail) pending_.trail.push_back(std::move(t));
    pending_.positions[rider_id] = *out.latest;
    if (bus_) {
      for (auto i : applied) {
        if (pending_.publish.size() >= options_.max_unpublished) {
          ++dropped_;
          continue;
        }
        pending_.publish.emplace_back(rider_id, fixes[i]);
      }
    }
  }
  for (const auto& l : listeners_) l(rider_id, *out.latest);
  return out;
}

void Tracker::OnRiderChanged(const fleet::Rider& rider) {
  std::unique_lock lock(mu_);
  RiderState& state = riders_[rider.id];
  state.status = rider.status;
  if (rider.status == RiderStatus::kOffline) {
    index_.Remove(rider.id);
    return;
  }
  const bool available = rider.status == RiderStatus::kAvailable;
  if (rider.position && (!state.latest || rider.updated_at > state.latest->at)) {
    Fix f;
    f.position = *rider.position;
    f.at = rider.updated_at;
    state.latest = f;
    index_.Upsert(rider.id, f.position, f.at, available);
    return;
  }
  if (!index_.SetAvailable(rider.id, available) && state.latest) {
    index_.Upsert(rider.id, state.latest->position, state.latest->at, available);
  }
}

std::vector<NearbyRider> Tracker::Nearest(geo::Point center, double radius_m, std::size_t limit,
                                          Availability which) const {
  const Millis fresh = FreshAfter();
  std::shared_lock lock(mu_);
  return index_.Nearest(center, radius_m, limit, which, fresh);
}

std::vector<IndexedRider> Tracker::InBox(const geo::Box& box) const {
  const Millis fresh = FreshAfter();
  std::shared_lock lock(mu_);
  return index_.InBox(box, fresh);
}

std::vector<IndexedRider> Tracker::InPolygon(const std::vector<geo::Point>& polygon) const {
  const Millis fresh = FreshAfter();
  std::shared_lock lock(mu_);
  return index_.InPolygon(polygon, fresh);
}

std::optional<IndexedRider> Tracker::Position(const std::string& rider_id) const {
  const Millis fresh = FreshAfter();
  std::shared_lock lock(mu_);
  auto r = index_.Get(rider_id);
  if (!r || r->updated_at < fresh) return std::nullopt;
  return r;
}

std::optional<geo::Point> Tracker::LatestPosition(const std::string& rider_id) const {
  std::shared_lock lock(mu_);
  auto it = riders_.find(rider_id);
  if (it == riders_.end() || !it->second.latest) return std::nullopt;
  return it->second.latest->position;
}

Status Tracker::Flush() {
  Pending batch;
  {
    std::lock_guard lock(pending_mu_);
    std::swap(batch, pending_);
  }
  {
    const Millis fresh = FreshAfter();
    std::unique_lock lock(mu_);
    index_.RemoveStale(fresh);  // the riders keep their latest fix: order checks still apply
  }
  Status result = OkStatus();
  if (!batch.trail.empty() || !batch.positions.empty()) {
    std::vector<std::pair<std::string, std::string>> zones;  // computed outside the writer
    zones.reserve(batch.positions.size());
    for (const auto& [rider, fix] : batch.positions) zones.emplace_back(rider, zone_at_ ? zone_at_(fix.position).value_or("") : "");
    auto written = db_.Write<Ok>([&](Connection& c) -> Result<Ok> {
      for (const auto& [rider, f] : batch.trail) {
        HP_TRY(c.Exec("INSERT INTO rider_trail(rider_id, at, lat, lon, accuracy_m, speed_mps, heading_deg) "
                      "VALUES (?,?,?,?,?,?,?) ON CONFLICT (rider_id, at) DO NOTHING",
                      {rider, f.at, f.position.lat, f.position.lon, Optional(f.accuracy_m), Optional(f.speed_mps),
                       Optional(f.heading_deg)}));
      }
      std::size_t i = 0;
      for (const auto& [rider, f] : batch.positions) {
        const std::string& zone = zones[i++].second;
        HP_TRY(c.Exec("UPDATE riders SET lat = ?, lon = ?, zone_id = ?, updated_at = ? "
                      "WHERE user_id = ? AND status <> 'offline'",
                      {f.position.lat, f.position.lon, zone.empty() ? SqlValue(nullptr) : SqlValue(zone), f.at, rider}));
      }
      return Ok{};
    });
    if (written.ok()) {
      trail_written_ += batch.trail.size();
    } else {
      result = std::move(written).error();
    }
  }
  if (bus_ && !batch.publish.empty()) {
    const Millis now = clock_.NowMillis();
    std::vector<events::Message> messages;
    messages.reserve(batch.publish.size());
    for (const auto& [rider, f] : batch.publish) messages.push_back({rider, LocationEvent(rider, f, now)});
    auto sent = bus_->PublishBatch(events::kRiderLocationsTopic, messages);
    if (sent.ok()) {
      published_ += messages.size();
    } else {
      dropped_ += messages.size();
      if (result.ok()) result = std::move(sent).error();
    }
  }
  return result;
}

TrackerStats Tracker::Stats() const {
  TrackerStats s;
  s.fixes_applied = applied_;
  s.fixes_flagged = flagged_;
  s.batches_rejected = rejected_;
  s.trail_points_written = trail_written_;
  s.fixes_published = published_;
  s.fixes_unpublished_dropped = dropped_;
  std::shared_lock lock(mu_);
  s.riders_indexed = index_.size();
  return s;
}

}  // namespace hotpath::tracking
