#include "tracking/geo_index.h"

#include <algorithm>
#include <cmath>

namespace hotpath::tracking {

std::int32_t GeoIndex::Row(double lat) { return static_cast<std::int32_t>(std::floor(lat / kCellDegrees)); }
std::int32_t GeoIndex::Col(double lon) { return static_cast<std::int32_t>(std::floor(lon / kCellDegrees)); }
std::uint64_t GeoIndex::Key(std::int32_t row, std::int32_t col) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(row)) << 32) | static_cast<std::uint32_t>(col);
}

void GeoIndex::AddToCell(std::uint32_t slot, std::uint64_t cell) {
  auto& list = cells_[cell];
  entries_[slot].cell = cell;
  entries_[slot].pos_in_cell = static_cast<std::uint32_t>(list.size());
  list.push_back(slot);
}

void GeoIndex::RemoveFromCell(std::uint32_t slot) {
  auto it = cells_.find(entries_[slot].cell);
  auto& list = it->second;
  std::uint32_t pos = entries_[slot].pos_in_cell;
  std::uint32_t moved = list.back();
  list[pos] = moved;
  entries_[moved].pos_in_cell = pos;
  list.pop_back();
  if (list.empty()) cells_.erase(it);
}

void GeoIndex::Upsert(const std::string& rider_id, geo::Point position, Millis updated_at, bool available) {
  std::uint64_t cell = Key(Row(position.lat), Col(position.lon));
  auto it = slot_of_.find(rider_id);
  if (it == slot_of_.end()) {
    auto slot = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(Entry{IndexedRider{rider_id, position, updated_at, available}, 0, 0});
    slot_of_.emplace(rider_id, slot);
    AddToCell(slot, cell);
    return;
  }
  Entry& e = entries_[it->second];
  e.rider.position = position;
  e.rider.updated_at = updated_at;
  e.rider.available = available;
  if (e.cell != cell) {
    RemoveFromCell(it->second);
    AddToCell(it->second, cell);
  }
}

bool GeoIndex::SetAvailable(const std::string& rider_id, bool available) {
  auto it = slot_of_.find(rider_id);
  if (it == slot_of_.end()) return false;
  entries_[it->second].rider.available = available;
  return true;
}

void GeoIndex::RemoveSlot(std::uint32_t slot) {
  RemoveFromCell(slot);
  slot_of_.erase(entries_[slot].rider.rider_id);
  auto last = static_cast<std::uint32_t>(entries_.size() - 1);
  if (slot != last) {
    // Move the last entry into the hole and repoint its cell and id entries.
    entries_[slot] = std::move(entries_[last]);
    cells_[entries_[slot].cell][entries_[slot].pos_in_cell] = slot;
    slot_of_[entries_[slot].rider.rider_id] = slot;
  }
  entries_.pop_back();
}

void GeoIndex::Remove(const std::string& rider_id) {
  auto it = slot_of_.find(rider_id);
  if (it != slot_of_.end()) RemoveSlot(it->second);
}

std::optional<IndexedRider> GeoIndex::Get(const std::string& rider_id) const {
  auto it = slot_of_.find(rider_id);
  if (it == slot_of_.end()) return std::nullopt;
  return entries_[it->second].rider;
}

template <typename F>
void GeoIndex::ForEachInBox(const geo::Box& box, F&& f) const {
  std::int32_t r0 = Row(box.min_lat), r1 = Row(box.max_lat);
  std::int32_t c0 = Col(box.min_lon), c1 = Col(box.max_lon);
  auto span = static_cast<double>(r1 - r0 + 1) * static_cast<double>(c1 - c0 + 1);
  if (span > static_cast<double>(cells_.size())) {
    // A wide box: walking the occupied cells is cheaper than probing empty ones.
    for (const auto& [key, slots] : cells_) {
      auto row = static_cast<std::int32_t>(static_cast<std::uint32_t>(key >> 32));
      auto col = static_cast<std::int32_t>(static_cast<std::uint32_t>(key & 0xffffffffu));
      if (row < r0 || row > r1 || col < c0 || col > c1) continue;
      for (auto slot : slots) f(entries_[slot]);
    }
    return;
  }
  for (std::int32_t r = r0; r <= r1; ++r) {
    for (std::int32_t c = c0; c <= c1; ++c) {
      auto it = cells_.find(Key(r, c));
      if (it == cells_.end()) continue;
      for (auto slot : it->second) f(entries_[slot]);
    }
  }
}

namespace {
bool Wanted(const IndexedRider& r, Availability which, Millis fresh_after) {
  if (r.updated_at < fresh_after) return false;
  if (which == Availability::kAvailable) return r.available;
  if (which == Availability::kBusy) return !r.available;
  return true;
}
bool InBoxPoint(const geo::Box& b, geo::Point p) {
  return p.lat >= b.min_lat && p.lat <= b.max_lat && p.lon >= b.min_lon && p.lon <= b.max_lon;
}
bool Closer(const NearbyRider& a, const NearbyRider& b) {
  if (a.distance_m != b.distance_m) return a.distance_m < b.distance_m;
  return a.rider.rider_id < b.rider.rider_id;
}
}  // namespace

std::vector<NearbyRider> GeoIndex::Nearest(geo::Point center, double radius_m, std::size_t limit,
                                           Availability which, Millis fresh_after) const {
  std::vector<NearbyRider> best;  // a max-heap on distance, at most `limit` long
  if (limit == 0) return best;
  best.reserve(limit + 1);
  const geo::Box box = geo::Around(center, radius_m);
  ForEachInBox(box, [&](const Entry& e) {
    if (!Wanted(e.rider, which, fresh_after) || !InBoxPoint(box, e.rider.position)) return;
    double d = geo::DistanceMeters(center, e.rider.position);
    if (d > radius_m) return;
    if (best.size() == limit && !Closer(NearbyRider{e.rider, d}, best.front())) return;
    best.push_back(NearbyRider{e.rider, d});
    std::push_heap(best.begin(), best.end(), Closer);
    if (best.size() > limit) {
      std::pop_heap(best.begin(), best.end(), Closer);
      best.pop_back();
    }
  });
  std::sort_heap(best.begin(), best.end(), Closer);
  return best;
}

std::vector<IndexedRider> GeoIndex::InBox(const geo::Box& box, Millis fresh_after) const {
  std::vector<IndexedRider> out;
  ForEachInBox(box, [&](const Entry& e) {
    if (Wanted(e.rider, Availability::kAny, fresh_after) && InBoxPoint(box, e.rider.position)) out.push_back(e.rider);
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.rider_id < b.rider_id; });
  return out;
}

std::vector<IndexedRider> GeoIndex::InPolygon(const std::vector<geo::Point>& polygon, Millis fresh_after) const {
  std::vector<IndexedRider> out;
  if (polygon.size() < 3) return out;
  geo::Box box{polygon[0].lat, polygon[0].lat, polygon[0].lon, polygon[0].lon};
  for (const auto& p : polygon) {
    box.min_lat = std::min(box.min_lat, p.lat);
    box.max_lat = std::max(box.max_lat, p.lat);
    box.min_lon = std::min(box.min_lon, p.lon);
    box.max_lon = std::max(box.max_lon, p.lon);
  }
  ForEachInBox(box, [&](const Entry& e) {
    if (Wanted(e.rider, Availability::kAny, fresh_after) && geo::Contains(polygon, e.rider.position)) {
      out.push_back(e.rider);
    }
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.rider_id < b.rider_id; });
  return out;
}

std::vector<std::string> GeoIndex::RemoveStale(Millis fresh_after) {
  std::vector<std::string> gone;
  for (std::size_t i = entries_.size(); i-- > 0;) {
    if (entries_[i].rider.updated_at < fresh_after) {
      gone.push_back(entries_[i].rider.rider_id);
      RemoveSlot(static_cast<std::uint32_t>(i));
    }
  }
  return gone;
}

}  // namespace hotpath::tracking
