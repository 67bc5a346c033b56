#include "functions/analytics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

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
