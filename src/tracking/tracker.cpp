#include "tracking/tracker.h"

#include <fmt/format.h>

#include "core/json.h"

namespace hotpath::tracking {
using fleet::RiderStatus;
using storage::Connection;
using storage::SqlValue;

namespace {
SqlValue Optional(const std::optional<double>& v) { return v ? SqlValue(*v) : SqlValue(nullptr); }

void AppendNumber(std::string& out, double v) { fmt::format_to(std::back_inserter(out), "{}", v); }

// A CloudEvent `rider.location`, appended to `out` by hand: this runs for every fix. Rider ids are
// our own ([a-z0-9_]), so they need no escaping; `time` is the flush's, formatted once.
void AppendLocationEvent(std::string& out, const std::string& rider_id, const Fix& f, std::string_view time) {
  out += R"({"specversion":"1.0","id":")";
  out += NewId("evt");
  out += R"(","source":"/hotpath/tracking","type":"rider.location","subject":")";
  out += rider_id;
  out += R"(","time":")";
  out += time;
  out += R"(","datacontenttype":"application/json","dataschema":"https://hotpath.dev/schemas/rider-location/v1",)";
  out += R"("data":{"rider_id":")";
  out += rider_id;
  out += R"(","lat":)";
  AppendNumber(out, f.position.lat);
  out += R"(,"lon":)";
  AppendNumber(out, f.position.lon);
  out += R"(,"at":")";
  json::AppendTime(out, f.at);
  out += '"';
  if (f.accuracy_m) {
    out += R"(,"accuracy_m":)";
    AppendNumber(out, *f.accuracy_m);
  }
  if (f.speed_mps) {
    out += R"(,"speed_mps":)";
    AppendNumber(out, *f.speed_mps);
  }
  if (f.heading_deg) {
    out += R"(,"heading_deg":)";
    AppendNumber(out, *f.heading_deg);
  }
  out += "}}";
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
    const std::string* id = &it->first;  // stable: riders are never erased
    for (auto i : verdict->applied) {
      const Fix& f = fixes[i];
      if (f.at >= state.trail_at + options_.trail_interval_ms) {
        state.trail_at = f.at;
        pending_.trail.emplace_back(id, f);
      }
      if (bus_) {
        if (pending_.publish.size() >= options_.max_unpublished) {
          ++dropped_;
        } else {
          pending_.publish.emplace_back(id, f);
        }
      }
      state.latest = f;
    }
    if (!verdict->applied.empty()) {
      index_.Upsert(rider_id, state.latest->position, state.latest->at, state.status == RiderStatus::kAvailable);
      if (!state.moved) {
        state.moved = true;
        pending_.moved.push_back(&*it);
      }
    }
    out.accepted = verdict->applied.size();
    out.flagged = std::move(verdict->flagged);
    out.duplicates = verdict->duplicates;
    out.latest = state.latest;
  }
  applied_ += out.accepted;
  flagged_ += out.flagged.size();
  if (out.accepted == 0) return out;
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

namespace {
// Keeps a drained vector's capacity for the next round unless it is far larger than what the round
// used (after a burst), so the recycled buffers track the ingest rate.
template <typename T>
void Recycle(std::vector<T>& v, std::size_t used) {
  v.clear();
  if (v.capacity() > 4 * used + 1024) std::vector<T>().swap(v);
}
}  // namespace

Status Tracker::Flush() {
  Pending batch;
  std::vector<std::pair<const std::string*, Fix>> positions;  // each moved rider's latest fix
  {
    const Millis fresh = FreshAfter();
    std::unique_lock lock(mu_);
    std::swap(batch, pending_);
    std::swap(pending_, spare_);  // empty, with the capacity of an earlier round
    positions.reserve(batch.moved.size());
    for (RiderEntry* rider : batch.moved) {
      rider->second.moved = false;
      if (rider->second.latest) positions.emplace_back(&rider->first, *rider->second.latest);
    }
    index_.RemoveStale(fresh);  // the riders keep their latest fix: order checks still apply
  }
  Status result = OkStatus();
  if (!batch.trail.empty() || !positions.empty()) {
    std::vector<std::string> zones;  // computed outside the writer
    zones.reserve(positions.size());
    for (const auto& [rider, fix] : positions) zones.push_back(zone_at_ ? zone_at_(fix.position).value_or("") : "");
    auto written = db_.Write<Ok>([&](Connection& c) -> Result<Ok> {
      for (const auto& [rider, f] : batch.trail) {
        HP_TRY(c.Exec("INSERT INTO rider_trail(rider_id, at, lat, lon, accuracy_m, speed_mps, heading_deg) "
                      "VALUES (?,?,?,?,?,?,?) ON CONFLICT (rider_id, at) DO NOTHING",
                      {*rider, f.at, f.position.lat, f.position.lon, Optional(f.accuracy_m), Optional(f.speed_mps),
                       Optional(f.heading_deg)}));
      }
      std::size_t i = 0;
      for (const auto& [rider, f] : positions) {
        const std::string& zone = zones[i++];
        HP_TRY(c.Exec("UPDATE riders SET lat = ?, lon = ?, zone_id = ?, updated_at = ? "
                      "WHERE user_id = ? AND status <> 'offline'",
                      {f.position.lat, f.position.lon, zone.empty() ? SqlValue(nullptr) : SqlValue(zone), f.at, *rider}));
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
    const std::string time = json::FormatTime(clock_.NowMillis());
    std::vector<events::Message> messages;
    messages.reserve(batch.publish.size());
    for (const auto& [rider, f] : batch.publish) {
      events::Message m{*rider, std::string()};
      m.value.reserve(400);
      AppendLocationEvent(m.value, *rider, f, time);
      messages.push_back(std::move(m));
    }
    auto sent = bus_->PublishBatch(events::kRiderLocationsTopic, messages);
    if (sent.ok()) {
      published_ += messages.size();
    } else {
      dropped_ += messages.size();
      if (result.ok()) result = std::move(sent).error();
    }
  }
  Recycle(batch.trail, batch.trail.size());
  Recycle(batch.moved, batch.moved.size());
  Recycle(batch.publish, batch.publish.size());
  {
    std::unique_lock lock(mu_);
    spare_ = std::move(batch);
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
