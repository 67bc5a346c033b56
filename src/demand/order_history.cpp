#include "demand/order_history.h"

namespace hotpath::demand {
using storage::Connection;
using storage::Row;

Result<HourlyCounts> OrdersPerZoneHour(storage::Database& db, Millis from, Millis to) {
  return db.ReadReplica<HourlyCounts>([&](Connection& c) -> Result<HourlyCounts> {
    HourlyCounts out;
    // Integer division is the same in SQLite and PostgreSQL for BIGINT >= 0.
    HP_TRY(c.Query("SELECT zone_id, created_at / 3600000, count(*) FROM orders WHERE zone_id IS NOT NULL "
                   "AND created_at >= ? AND created_at < ? GROUP BY zone_id, created_at / 3600000",
                   {from, to}, [&](const Row& r) {
                     out[r.Text(0)][r.Int(1) * kHourMs] += static_cast<int>(r.Int(2));
                   }));
    return out;
  });
}

Result<Millis> FirstOrderAt(storage::Database& db) {
  return db.ReadReplica<Millis>([](Connection& c) -> Result<Millis> {
    Millis first = 0;
    HP_TRY(c.Query("SELECT COALESCE(MIN(created_at), 0) FROM orders WHERE zone_id IS NOT NULL", {},
                   [&](const Row& r) { first = r.Int(0); }));
    return first;
  });
}

Result<std::vector<std::pair<std::string, Millis>>> OrdersPlacedSince(storage::Database& db, Millis since) {
  using Out = std::vector<std::pair<std::string, Millis>>;
  return db.ReadReplica<Out>([&](Connection& c) -> Result<Out> {
    Out out;
    HP_TRY(c.Query("SELECT zone_id, created_at FROM orders WHERE zone_id IS NOT NULL AND created_at >= ? "
                   "ORDER BY created_at",
                   {since}, [&](const Row& r) { out.emplace_back(r.Text(0), r.Int(1)); }));
    return out;
  });
}

Result<int> RidersAvailable(storage::Database& db, const std::string& zone_id) {
  return db.ReadReplica<int>([&](Connection& c) -> Result<int> {
    int n = 0;
    HP_TRY(c.Query("SELECT count(*) FROM riders WHERE zone_id = ? AND status = 'available'", {zone_id},
                   [&](const Row& r) { n = static_cast<int>(r.Int(0)); }));
    return n;
  });
}

Result<MeasuredDeliveries> MeasuredProductivity(storage::Database& db, const std::string& zone_id, Millis since) {
  return db.ReadReplica<MeasuredDeliveries>([&](Connection& c) -> Result<MeasuredDeliveries> {
    MeasuredDeliveries p;
    Millis busy = 0;
    HP_TRY(c.Query("SELECT h.at, (SELECT MAX(e.created_at) FROM outbox e WHERE e.key = h.order_id AND "
                   "e.type = 'order.rider_assigned') FROM order_history h JOIN orders o ON o.id = h.order_id "
                   "WHERE h.status = 'delivered' AND h.at >= ? AND o.zone_id = ?",
                   {since, zone_id}, [&](const Row& r) {
                     if (r.IsNull(1)) return;  // delivered without a recorded assignment
                     const Millis took = r.Int(0) - r.Int(1);
                     if (took <= 0) return;
                     ++p.deliveries;
                     busy += took;
                   }));
    p.busy_hours = static_cast<double>(busy) / static_cast<double>(kHourMs);
    return p;
  });
}

}  // namespace hotpath::demand
