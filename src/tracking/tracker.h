#pragma once
// Rider location ingest and the live view of the fleet (issue #4).
//
// Fixes are not durable one by one: the latest position of each rider lives in memory (in the
// GeoIndex), and a background flush (every `flush_interval`) writes in one transaction the
// downsampled trail (one point per `trail_interval_ms` per rider, for proof of delivery and
// analytics) and the riders' latest positions and zones (so the `riders` table, read by the
// dispatcher and GET /v1/riders/me, stays at most one flush behind), then publishes every applied fix
// to the `riders.locations` topic in one batch. Fixes waiting for the bus are bounded
// (`max_unpublished`); beyond it the newest are counted as dropped, never queued without limit.
//
// Rider status (offline/available/busy) comes from the fleet: OnRiderChanged is the fleet's
// listener, called after each committed change. Only online riders may send fixes.
//
// Thread-safe: one shared mutex over the riders, the index and what waits for the flush (ingest
// takes it exclusively once per batch, queries share it); fix listeners run outside it. Riders are
// never erased from `riders_` (an offline rider keeps its entry), so the flush may keep pointers
// to their ids: ingest queues no string copy per fix.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "events/event_bus.h"
#include "fleet/fleet_service.h"
#include "storage/database.h"
#include "tracking/fix.h"
#include "tracking/geo_index.h"

namespace hotpath::tracking {

struct TrackerOptions {
  Millis stale_after_ms = 60000;    // riders with no fix for this long drop out of queries
  Millis trail_interval_ms = 10000;  // one persisted trail point per rider per interval
  std::chrono::milliseconds flush_interval{1000};
  std::size_t max_unpublished = 500000;
};

struct IngestResult {
  std::size_t accepted = 0;
  std::vector<FlaggedFix> flagged;
  std::size_t duplicates = 0;  // resends of the latest applied fix, skipped
  std::optional<Fix> latest;  // the rider's latest applied fix after this batch
};

struct TrackerStats {
  std::uint64_t fixes_applied = 0;
  std::uint64_t fixes_flagged = 0;
  std::uint64_t batches_rejected = 0;
  std::uint64_t trail_points_written = 0;
  std::uint64_t fixes_published = 0;
  std::uint64_t fixes_unpublished_dropped = 0;
  std::size_t riders_indexed = 0;
};

class Tracker {
 public:
  using ZoneAt = std::function<std::optional<std::string>(geo::Point)>;
  using FixListener = std::function<void(const std::string& rider_id, const Fix& fix)>;

  Tracker(storage::Database& db, const Clock& clock, const Logger& log, ZoneAt zone_at, TrackerOptions options = {});
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Online riders with a position, from the database, into the index (at startup).
  Status Load();
  // Fixes go to this bus from the next flush on (nullptr: not published). Set before Start.
  void SetBus(events::EventBus* bus) { bus_ = bus; }
  // Called after every accepted batch with the rider's newest applied fix. Add before serving.
  void AddFixListener(FixListener listener) { listeners_.push_back(std::move(listener)); }
  void Start();
  void Stop();  // flushes what is pending

  // kForbidden-free: the caller has checked the role. kConflict when the rider is offline;
  // kInvalidArgument (every rejected fix named) when a fix is rejected.
  Result<IngestResult> Ingest(const std::string& rider_id, const std::vector<Fix>& fixes);
  // The fleet's listener: status changes, and positions set through the fleet (online, single fix).
  void OnRiderChanged(const fleet::Rider& rider);

  [[nodiscard]] std::vector<NearbyRider> Nearest(geo::Point center, double radius_m, std::size_t limit,
                                                 Availability which) const;
  [[nodiscard]] std::vector<IndexedRider> InBox(const geo::Box& box) const;
  [[nodiscard]] std::vector<IndexedRider> InPolygon(const std::vector<geo::Point>& polygon) const;
  // The rider's latest position if fresh (not stale).
  [[nodiscard]] std::optional<IndexedRider> Position(const std::string& rider_id) const;
  // Same, however old (the dispatcher prefers an old fix to the database's older one).
  [[nodiscard]] std::optional<geo::Point> LatestPosition(const std::string& rider_id) const;

  // Writes the pending trail and positions, publishes pending fixes, drops stale riders from the
  // index. The background loop calls it; tests may too.
  Status Flush();
  [[nodiscard]] TrackerStats Stats() const;

 private:
  struct RiderState {
    fleet::RiderStatus status = fleet::RiderStatus::kOffline;
    std::optional<Fix> latest;
    Millis trail_at = INT64_MIN;
    bool moved = false;  // listed in pending_.moved: its latest position is not written yet
  };
  using RiderEntry = std::pair<const std::string, RiderState>;  // stable: riders are never erased
  struct Pending {
    std::vector<std::pair<const std::string*, Fix>> trail;
    std::vector<RiderEntry*> moved;  // riders whose latest fix is newer than the database's
    std::vector<std::pair<const std::string*, Fix>> publish;
  };
  void Loop();
  Millis FreshAfter() const { return clock_.NowMillis() - options_.stale_after_ms; }

  storage::Database& db_;
  const Clock& clock_;
  const Logger& log_;
  ZoneAt zone_at_;
  const TrackerOptions options_;
  events::EventBus* bus_ = nullptr;
  std::vector<FixListener> listeners_;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, RiderState> riders_;  // guarded by mu_
  GeoIndex index_;                                      // guarded by mu_
  Pending pending_;                                     // guarded by mu_
  // The previous flush's vectors, emptied, whose capacity becomes the next pending_ at the next
  // flush: ingest appends into memory that is already mapped instead of regrowing from nothing
  // (page faults and copies on the I/O thread) every second.
  Pending spare_;  // guarded by mu_

  std::atomic<std::uint64_t> applied_{0}, flagged_{0}, rejected_{0}, trail_written_{0}, published_{0}, dropped_{0};

  std::mutex loop_mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by loop_mu_
  std::thread thread_;
};

}  // namespace hotpath::tracking
