#pragma once
// In-memory spatial index of riders: a uniform grid of lat/lon cells (kCellDegrees on a side,
// about 550 m x 420 m at 40 degrees of latitude). Each cell lists the slots of the riders inside it;
// a rider moving within its cell is an in-place update, moving across cells is two O(1) vector
// edits (swap-remove). Queries visit only the cells overlapping the query's bounding box (or every
// non-empty cell when that is fewer), then check exact great-circle distances or polygon membership.
//
// Nearest keeps each rider's unit vector in its cell's list (contiguous), compares squared chord
// lengths (monotonic in great-circle distance, no trigonometry per rider), visits the cells in rings
// around the centre and stops at the first ring that cannot hold anything nearer than the current
// `limit`-th; the great-circle distance is computed for the answers only.
//
// Entries older than the `fresh_after` cut-off a query is given are invisible (stale riders drop
// out of every answer); RemoveStale reclaims them. Pure and single-threaded: the owner locks.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/geo.h"

namespace hotpath::tracking {

struct IndexedRider {
  std::string rider_id;
  geo::Point position;
  Millis updated_at = 0;
  bool available = false;  // online and free (false: busy)
};

struct NearbyRider {
  IndexedRider rider;
  double distance_m = 0;
};

enum class Availability { kAvailable, kBusy, kAny };

class GeoIndex {
 public:
  static constexpr double kCellDegrees = 0.005;

  // Inserts or moves a rider.
  void Upsert(const std::string& rider_id, geo::Point position, Millis updated_at, bool available);
  // Changes availability only; false if the rider is not indexed.
  bool SetAvailable(const std::string& rider_id, bool available);
  void Remove(const std::string& rider_id);
  [[nodiscard]] std::optional<IndexedRider> Get(const std::string& rider_id) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

  // Up to `limit` riders within `radius_m` of `center`, nearest first (ties by rider id), whose
  // last fix is at or after `fresh_after`.
  [[nodiscard]] std::vector<NearbyRider> Nearest(geo::Point center, double radius_m, std::size_t limit,
                                                 Availability which, Millis fresh_after) const;
  // Riders inside the box / polygon (ray casting), in rider id order.
  [[nodiscard]] std::vector<IndexedRider> InBox(const geo::Box& box, Millis fresh_after) const;
  [[nodiscard]] std::vector<IndexedRider> InPolygon(const std::vector<geo::Point>& polygon,
                                                    Millis fresh_after) const;
  // Drops riders whose last fix is before `fresh_after`; returns their ids.
  std::vector<std::string> RemoveStale(Millis fresh_after);

 private:
  struct Entry {
    IndexedRider rider;
    std::uint64_t cell = 0;
    std::uint32_t pos_in_cell = 0;  // index in cells_[cell]
  };
  // What Nearest reads, kept beside the other riders of the cell.
  struct CellItem {
    std::uint32_t slot = 0;
    bool available = false;
    Millis updated_at = 0;
    double x = 0, y = 0, z = 0;  // unit vector of the position
  };
  struct Candidate {
    double chord2 = 0;
    std::uint32_t slot = 0;
  };
  static std::int32_t Row(double lat);
  static std::int32_t Col(double lon);
  static std::uint64_t Key(std::int32_t row, std::int32_t col);
  void AddToCell(std::uint32_t slot, std::uint64_t cell);
  void RemoveFromCell(std::uint32_t slot);
  void RemoveSlot(std::uint32_t slot);
  // Calls f(const CellItem&) for every rider in the cells overlapping `box`.
  template <typename F>
  void ForEachInBox(const geo::Box& box, F&& f) const;
  static CellItem ItemOf(std::uint32_t slot, const IndexedRider& r);

  std::vector<Entry> entries_;                                      // dense; slots
  std::unordered_map<std::string, std::uint32_t> slot_of_;          // rider id -> slot
  std::unordered_map<std::uint64_t, std::vector<CellItem>> cells_;  // cell -> its riders
};

}  // namespace hotpath::tracking
