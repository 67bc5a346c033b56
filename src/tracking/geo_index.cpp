#include "tracking/geo_index.h"

#include <algorithm>
#include <cmath>

namespace hotpath::tracking {

std::int32_t GeoIndex::Row(double lat) { return static_cast<std::int32_t>(std::floor(lat / kCellDegrees)); }
std::int32_t GeoIndex::Col(double lon) { return static_cast<std::int32_t>(std::floor(lon / kCellDegrees)); }
std::uint64_t GeoIndex::Key(std::int32_t row, std::int32_t col) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(row)) << 32) | static_cast<std::uint32_t>(col);
}

namespace {
constexpr double kEarthRadiusM = 6371008.8;  // as geo::DistanceMeters
constexpr double kDegToRad = M_PI / 180.0;

// Squared chord, on the unit sphere, of a great-circle distance.
double Chord2(double metres) {
  const double half = std::min(metres / kEarthRadiusM, M_PI) / 2;
  const double chord = 2 * std::sin(half);
  return chord * chord;
}
}  // namespace

GeoIndex::CellItem GeoIndex::ItemOf(std::uint32_t slot, const IndexedRider& r) {
  const double lat = r.position.lat * kDegToRad, lon = r.position.lon * kDegToRad;
  return CellItem{slot, r.available, r.updated_at, std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon),
                  std::sin(lat)};
}

void GeoIndex::AddToCell(std::uint32_t slot, std::uint64_t cell) {
  auto& list = cells_[cell];
  entries_[slot].cell = cell;
  entries_[slot].pos_in_cell = static_cast<std::uint32_t>(list.size());
  list.push_back(ItemOf(slot, entries_[slot].rider));
}

void GeoIndex::RemoveFromCell(std::uint32_t slot) {
  auto it = cells_.find(entries_[slot].cell);
  auto& list = it->second;
  std::uint32_t pos = entries_[slot].pos_in_cell;
  list[pos] = list.back();
  entries_[list[pos].slot].pos_in_cell = pos;
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
  } else {
    cells_[cell][e.pos_in_cell] = ItemOf(it->second, e.rider);
  }
}

bool GeoIndex::SetAvailable(const std::string& rider_id, bool available) {
  auto it = slot_of_.find(rider_id);
  if (it == slot_of_.end()) return false;
  Entry& e = entries_[it->second];
  e.rider.available = available;
  cells_[e.cell][e.pos_in_cell].available = available;
  return true;
}

void GeoIndex::RemoveSlot(std::uint32_t slot) {
  RemoveFromCell(slot);
  slot_of_.erase(entries_[slot].rider.rider_id);
  auto last = static_cast<std::uint32_t>(entries_.size() - 1);
  if (slot != last) {
    // Move the last entry into the hole and repoint its cell and id entries.
    entries_[slot] = std::move(entries_[last]);
    cells_[entries_[slot].cell][entries_[slot].pos_in_cell].slot = slot;
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
      for (const auto& item : slots) f(item);
    }
    return;
  }
  for (std::int32_t r = r0; r <= r1; ++r) {
    for (std::int32_t c = c0; c <= c1; ++c) {
      auto it = cells_.find(Key(r, c));
      if (it == cells_.end()) continue;
      for (const auto& item : it->second) f(item);
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
}  // namespace

std::vector<NearbyRider> GeoIndex::Nearest(geo::Point center, double radius_m, std::size_t limit,
                                           Availability which, Millis fresh_after) const {
  std::vector<NearbyRider> out;
  if (limit == 0 || entries_.empty()) return out;
  const CellItem c = ItemOf(0, IndexedRider{"", center, 0, false});
  const double max_chord2 = Chord2(radius_m) * (1 + 1e-9);  // the exact distance decides at the edge
  // A max-heap of the best `limit` so far: nearer (or equally near with a smaller id) is better.
  std::vector<Candidate> best;
  best.reserve(limit + 1);
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (a.chord2 != b.chord2) return a.chord2 < b.chord2;
    return entries_[a.slot].rider.rider_id < entries_[b.slot].rider.rider_id;
  };
  auto consider = [&](const CellItem& item) {
    if (item.updated_at < fresh_after) return;
    if (which == Availability::kAvailable ? !item.available : which == Availability::kBusy && item.available) return;
    const double dx = item.x - c.x, dy = item.y - c.y, dz = item.z - c.z;
    const Candidate cand{dx * dx + dy * dy + dz * dz, item.slot};
    if (cand.chord2 > max_chord2) return;
    if (best.size() == limit && !better(cand, best.front())) return;
    best.push_back(cand);
    std::push_heap(best.begin(), best.end(), better);
    if (best.size() > limit) {
      std::pop_heap(best.begin(), best.end(), better);
      best.pop_back();
    }
  };
  const geo::Box box = geo::Around(center, radius_m);
  const std::int32_t r0 = Row(box.min_lat), r1 = Row(box.max_lat), c0 = Col(box.min_lon), c1 = Col(box.max_lon);
  const auto span = static_cast<double>(r1 - r0 + 1) * static_cast<double>(c1 - c0 + 1);
  if (span > static_cast<double>(cells_.size())) {
    ForEachInBox(box, consider);  // few occupied cells: walk them all
  } else {
    // Rings of cells around the centre's. A cell of ring k >= 1 is k - 1 whole cells away in
    // latitude or longitude: at least (k - 1) * step metres (cell height, or width at the box's
    // widest latitude, with a margin for the sphere).
    const std::int32_t row = Row(center.lat), col = Col(center.lon);
    const double max_lat = std::min(90.0, std::max(std::fabs((r0)*kCellDegrees), std::fabs((r1 + 1) * kCellDegrees)));
    const double step = 0.99 * kEarthRadiusM * kCellDegrees * kDegToRad * std::cos(max_lat * kDegToRad);
    const std::int32_t rings = std::max({row - r0, r1 - row, col - c0, c1 - col});
    auto visit = [&](std::int32_t r, std::int32_t cc) {
      if (r < r0 || r > r1 || cc < c0 || cc > c1) return;
      auto it = cells_.find(Key(r, cc));
      if (it == cells_.end()) return;
      for (const auto& item : it->second) consider(item);
    };
    for (std::int32_t k = 0; k <= rings; ++k) {
      if (k >= 2 && best.size() == limit && Chord2((k - 1) * step) > best.front().chord2) break;
      if (k == 0) {
        visit(row, col);
        continue;
      }
      for (std::int32_t cc = col - k; cc <= col + k; ++cc) {
        visit(row - k, cc);
        visit(row + k, cc);
      }
      for (std::int32_t r = row - k + 1; r <= row + k - 1; ++r) {
        visit(r, col - k);
        visit(r, col + k);
      }
    }
  }
  std::sort_heap(best.begin(), best.end(), better);
  out.reserve(best.size());
  for (const auto& b : best) {
    const IndexedRider& r = entries_[b.slot].rider;
    const double d = geo::DistanceMeters(center, r.position);
    if (d <= radius_m) out.push_back(NearbyRider{r, d});
  }
  return out;
}

std::vector<IndexedRider> GeoIndex::InBox(const geo::Box& box, Millis fresh_after) const {
  std::vector<IndexedRider> out;
  ForEachInBox(box, [&](const CellItem& item) {
    const IndexedRider& r = entries_[item.slot].rider;
    if (Wanted(r, Availability::kAny, fresh_after) && InBoxPoint(box, r.position)) out.push_back(r);
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
  ForEachInBox(box, [&](const CellItem& item) {
    const IndexedRider& r = entries_[item.slot].rider;
    if (Wanted(r, Availability::kAny, fresh_after) && geo::Contains(polygon, r.position)) out.push_back(r);
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
