#include "functions/analytics.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <numeric>
#include <set>

#include "functions/order_events.h"
#include "functions/processed.h"

namespace hotpath::functions {

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Result<Outcome> Analytics::Handle(const Invocation& inv) {
  if (IsRiderMilestone(inv.event)) return Outcome::kIgnored;  // tracking's, not an order change
  HP_ASSIGN(auto ev, ReadOrderEvent(inv.event));
  const char* column = ev.type == "order.placed"      ? "placed"
                       : ev.type == "order.delivered" ? "delivered"
                       : ev.type == "order.cancelled" ? "cancelled"
                                                      : nullptr;
  if (!column || ev.zone_id.empty()) return Outcome::kIgnored;
  const Millis minute = ev.at - ev.at % 60000;
  HP_ASSIGN(bool applied, ApplyOnce(db_, kName, inv.event.id, clock_.NowMillis(), [&](storage::Connection& c) -> Status {
    HP_TRY(c.ExecLater(fmt::format("INSERT INTO analytics_zone_minutes(zone_id, minute, {0}) VALUES (?,?,1) "
                              "ON CONFLICT (zone_id, minute) DO UPDATE SET {0} = analytics_zone_minutes.{0} + 1",
                              column),
                  {ev.zone_id, minute}));
    HP_TRY(c.ExecLater(fmt::format("INSERT INTO analytics_orders(order_id, zone_id, {0}_at) VALUES (?,?,?) "
                              "ON CONFLICT (order_id) DO UPDATE SET {0}_at = excluded.{0}_at",
                              column),
                  {ev.order_id, ev.zone_id, ev.at}));
    return OkStatus();
  }));
  return applied ? Outcome::kApplied : Outcome::kRepeat;
}

std::optional<Result<std::vector<Outcome>>> Analytics::HandleBatch(const std::vector<Invocation>& invocations) {
  if (db_.dialect() != storage::Dialect::kPostgres) return std::nullopt;
  // The batch's counts are summed per zone and minute, so a minute's row (the one every order
  // placed in that zone and minute updates) changes once per batch; per order, each column takes
  // the time of the batch's last event of its kind, as the one-by-one upserts leave it.
  static const std::string kSql =
      "WITH b AS (SELECT * FROM json_to_recordset(?::json) AS b(ord int, event_id text, order_id text, zone_id text, "
      "kind text, minute bigint, at bigint)), "
      "fresh AS (INSERT INTO processed_events(function, event_id, processed_at) SELECT ?, event_id, ? FROM b "
      "ON CONFLICT (function, event_id) DO NOTHING RETURNING event_id), "
      "f AS (SELECT b.* FROM b JOIN fresh USING (event_id)), "
      "zm AS (INSERT INTO analytics_zone_minutes(zone_id, minute, placed, delivered, cancelled) "
      "SELECT zone_id, minute, count(*) FILTER (WHERE kind = 'placed'), count(*) FILTER (WHERE kind = 'delivered'), "
      "count(*) FILTER (WHERE kind = 'cancelled') FROM f GROUP BY zone_id, minute "
      "ON CONFLICT (zone_id, minute) DO UPDATE SET placed = analytics_zone_minutes.placed + excluded.placed, "
      "delivered = analytics_zone_minutes.delivered + excluded.delivered, "
      "cancelled = analytics_zone_minutes.cancelled + excluded.cancelled), "
      "ao AS (INSERT INTO analytics_orders(order_id, zone_id, placed_at, delivered_at, cancelled_at) "
      "SELECT order_id, (array_agg(zone_id ORDER BY ord))[1], "
      "(array_agg(at ORDER BY ord DESC) FILTER (WHERE kind = 'placed'))[1], "
      "(array_agg(at ORDER BY ord DESC) FILTER (WHERE kind = 'delivered'))[1], "
      "(array_agg(at ORDER BY ord DESC) FILTER (WHERE kind = 'cancelled'))[1] FROM f GROUP BY order_id "
      "ON CONFLICT (order_id) DO UPDATE SET placed_at = COALESCE(excluded.placed_at, analytics_orders.placed_at), "
      "delivered_at = COALESCE(excluded.delivered_at, analytics_orders.delivered_at), "
      "cancelled_at = COALESCE(excluded.cancelled_at, analytics_orders.cancelled_at)) "
      "SELECT event_id FROM fresh";
  std::vector<Outcome> out(invocations.size(), Outcome::kIgnored);
  boost::json::array rows;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < invocations.size(); ++i) {
    const auto& inv = invocations[i];
    if (IsRiderMilestone(inv.event)) continue;
    auto ev = ReadOrderEvent(inv.event);
    if (!ev.ok()) return std::nullopt;  // handled alone: retried, then dead-lettered
    const char* kind = ev->type == "order.placed"      ? "placed"
                       : ev->type == "order.delivered" ? "delivered"
                       : ev->type == "order.cancelled" ? "cancelled"
                                                       : nullptr;
    if (!kind || ev->zone_id.empty()) continue;
    out[i] = Outcome::kRepeat;  // until the statement says it was fresh
    if (!ids.insert(inv.event.id).second) continue;  // the same event twice in one batch
    rows.push_back(boost::json::object{{"ord", i}, {"event_id", inv.event.id}, {"order_id", ev->order_id},
                                       {"zone_id", ev->zone_id}, {"kind", kind}, {"minute", ev->at - ev->at % 60000},
                                       {"at", ev->at}});
  }
  if (rows.empty()) return out;
  auto fresh = ApplyBatchOnce(db_, kSql, boost::json::serialize(rows), kName, clock_.NowMillis());
  if (!fresh.ok()) return Result<std::vector<Outcome>>(std::move(fresh).error());
  MarkFresh(invocations, *fresh, out);
  return out;
}

Result<ZoneReport> Analytics::Query(const std::string& zone_id, Millis from, Millis to) {
  if (to <= from) return Error::Invalid("'to' must be after 'from'", {{"to", "must be after from"}});
  if (to - from > kMaxRange) return Error::Invalid("the range is longer than 31 days", {{"to", "at most 31 days after from"}});
  return db_.Read<ZoneReport>([&](storage::Connection& c) -> Result<ZoneReport> {
    ZoneReport rep;
    rep.zone_id = zone_id;
    rep.from = from;
    rep.to = to;
    HP_TRY(c.Query("SELECT minute, placed, delivered, cancelled FROM analytics_zone_minutes "
                   "WHERE zone_id = ? AND minute >= ? AND minute < ? ORDER BY minute",
                   {zone_id, from, to}, [&](const storage::Row& r) {
                     MinuteCounts m{r.Int(0), r.Int(1), r.Int(2), r.Int(3)};
                     rep.totals.placed += m.placed;
                     rep.totals.delivered += m.delivered;
                     rep.totals.cancelled += m.cancelled;
                     rep.minutes.push_back(m);
                   }));
    std::vector<double> minutes;
    HP_TRY(c.Query("SELECT delivered_at - placed_at FROM analytics_orders WHERE zone_id = ? AND delivered_at >= ? "
                   "AND delivered_at < ? AND placed_at IS NOT NULL",
                   {zone_id, from, to},
                   [&](const storage::Row& r) { minutes.push_back(static_cast<double>(r.Int(0)) / 60000.0); }));
    std::sort(minutes.begin(), minutes.end());
    rep.click_to_door_samples = static_cast<std::int64_t>(minutes.size());
    if (!minutes.empty()) {
      rep.click_to_door_mean = std::accumulate(minutes.begin(), minutes.end(), 0.0) / static_cast<double>(minutes.size());
      rep.click_to_door_p50 = Percentile(minutes, 0.5);
      rep.click_to_door_p90 = Percentile(minutes, 0.9);
    }
    return rep;
  });
}

}  // namespace hotpath::functions
