#pragma once
// The SQL of the console's live feed that runs every second, kept here so that the storage tests
// can check, on both dialects, that the schema serves it from an index (EXPLAIN) and not by
// scanning the whole orders table.

namespace hotpath::console {

// Orders placed per zone: in the last minute, the minute before, this UTC hour so far and the whole
// previous hour. Parameters: now-60s, now-120s, now-60s, hour start, previous hour start, hour
// start, and the earliest of those (the range scanned, on orders_created).
inline constexpr const char* kPlacedPerZoneSql =
    "SELECT zone_id, count(CASE WHEN created_at >= ? THEN 1 END), "
    "count(CASE WHEN created_at >= ? AND created_at < ? THEN 1 END), "
    "count(CASE WHEN created_at >= ? THEN 1 END), count(CASE WHEN created_at >= ? AND created_at < ? THEN 1 END) "
    "FROM orders WHERE created_at >= ? GROUP BY zone_id";

}  // namespace hotpath::console
