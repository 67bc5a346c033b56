#include "functions/order_status.h"

#include "functions/order_events.h"
#include "functions/processed.h"

namespace hotpath::functions {

Result<Outcome> OrderStatusCache::Handle(const Invocation& inv) {
  if (IsRiderMilestone(inv.event)) return Outcome::kIgnored;  // tracking's, not an order change
  HP_ASSIGN(auto ev, ReadOrderEvent(inv.event));
  HP_ASSIGN(bool applied, ApplyOnce(db_, kName, inv.event.id, clock_.NowMillis(), [&](storage::Connection& c) -> Status {
    HP_TRY(c.ExecLater(
        "INSERT INTO order_status_cache(order_id, status, version, rider_id, event_type, updated_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, "
        "version = excluded.version, rider_id = excluded.rider_id, event_type = excluded.event_type, "
        "updated_at = excluded.updated_at WHERE excluded.version >= order_status_cache.version",
        {ev.order_id, ev.status, ev.version,
         ev.rider_id.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(ev.rider_id), ev.type, ev.at}));
    return OkStatus();
  }));
  return applied ? Outcome::kApplied : Outcome::kRepeat;
}

Result<std::optional<CachedStatus>> OrderStatusCache::Lookup(const std::string& order_id) {
  return db_.Read<std::optional<CachedStatus>>([&](storage::Connection& c) -> Result<std::optional<CachedStatus>> {
    std::optional<CachedStatus> out;
    HP_TRY(c.Query("SELECT order_id, status, version, rider_id, event_type, updated_at FROM order_status_cache "
                   "WHERE order_id = ?",
                   {order_id}, [&](const storage::Row& r) {
                     out = CachedStatus{r.Text(0), r.Text(1), r.Int(2), r.OptText(3).value_or(""), r.Text(4), r.Int(5)};
                   }));
    return out;
  });
}

}  // namespace hotpath::functions
