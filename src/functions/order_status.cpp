#include "functions/order_status.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <set>

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

std::optional<Result<std::vector<Outcome>>> OrderStatusCache::HandleBatch(const std::vector<Invocation>& invocations) {
  if (db_.dialect() != storage::Dialect::kPostgres) return std::nullopt;
  // Per order only the event of the highest version (the last of equal ones) can stand, which is
  // what the one-by-one upserts with "version >= " leave.
  static const std::string kSql =
      "WITH b AS (SELECT * FROM json_to_recordset(?::json) AS b(ord int, event_id text, order_id text, status text, "
      "version bigint, rider_id text, event_type text, at bigint)), "
      "fresh AS (INSERT INTO processed_events(function, event_id, processed_at) SELECT ?, event_id, ? FROM b "
      "ON CONFLICT (function, event_id) DO NOTHING RETURNING event_id), "
      "latest AS (SELECT DISTINCT ON (b.order_id) b.* FROM b JOIN fresh USING (event_id) "
      "ORDER BY b.order_id, b.version DESC, b.ord DESC), "
      "up AS (INSERT INTO order_status_cache(order_id, status, version, rider_id, event_type, updated_at) "
      "SELECT order_id, status, version, rider_id, event_type, at FROM latest "
      "ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, version = excluded.version, "
      "rider_id = excluded.rider_id, event_type = excluded.event_type, updated_at = excluded.updated_at "
      "WHERE excluded.version >= order_status_cache.version) "
      "SELECT event_id FROM fresh";
  std::vector<Outcome> out(invocations.size(), Outcome::kIgnored);
  boost::json::array rows;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < invocations.size(); ++i) {
    const auto& inv = invocations[i];
    if (IsRiderMilestone(inv.event)) continue;
    auto ev = ReadOrderEvent(inv.event);
    if (!ev.ok()) return std::nullopt;  // handled alone: retried, then dead-lettered
    out[i] = Outcome::kRepeat;  // until the statement says it was fresh
    if (!ids.insert(inv.event.id).second) continue;  // the same event twice in one batch
    rows.push_back(boost::json::object{{"ord", i}, {"event_id", inv.event.id}, {"order_id", ev->order_id},
                                       {"status", ev->status}, {"version", ev->version},
                                       {"rider_id", ev->rider_id.empty() ? boost::json::value(nullptr)
                                                                         : boost::json::value(ev->rider_id)},
                                       {"event_type", ev->type}, {"at", ev->at}});
  }
  if (rows.empty()) return out;
  auto fresh = ApplyBatchOnce(db_, kSql, boost::json::serialize(rows), kName, clock_.NowMillis());
  if (!fresh.ok()) return Result<std::vector<Outcome>>(std::move(fresh).error());
  MarkFresh(invocations, *fresh, out);
  return out;
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
