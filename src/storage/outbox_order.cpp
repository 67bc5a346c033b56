#include "storage/outbox_order.h"

#include <fmt/format.h>

namespace hotpath::storage {

Status ReadOutboxAfter(Connection& c, OutboxPosition from, std::string_view columns, std::string_view filter,
                       std::int64_t limit, const std::function<void(const Row&, OutboxPosition)>& on_row) {
  const bool pg = c.dialect() == Dialect::kPostgres;
  const std::string extra = filter.empty() ? "" : fmt::format(" AND ({})", filter);
  // The number of selected columns: the position follows them.
  int n = 1;
  for (char ch : columns) n += ch == ',' ? 1 : 0;
  if (!pg) {
    return c.Query(fmt::format("SELECT {}, 0, seq FROM outbox WHERE seq > ?{} ORDER BY seq LIMIT ?", columns, extra),
                   {from.seq, limit}, [&](const Row& r) { on_row(r, {0, r.Int(n + 1)}); });
  }
  // xmin of this statement's snapshot, computed once (an InitPlan), the same snapshot as the rows'.
  return c.Query(
      fmt::format("SELECT {}, xid::text::bigint, seq FROM outbox WHERE (xid, seq) > (?::text::xid8, ?) "
                  "AND xid < (SELECT pg_snapshot_xmin(pg_current_snapshot())){} ORDER BY xid, seq LIMIT ?",
                  columns, extra),
      {from.xid, from.seq, limit}, [&](const Row& r) { on_row(r, {r.Int(n), r.Int(n + 1)}); });
}

Result<OutboxPosition> OutboxEnd(Connection& c) {
  OutboxPosition end;
  if (c.dialect() == Dialect::kPostgres) {
    HP_TRY(c.Query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", {},
                   [&](const Row& r) { end.xid = r.Int(0); }));
    return end;
  }
  HP_TRY(c.Query("SELECT COALESCE(MAX(seq), 0) FROM outbox", {}, [&](const Row& r) { end.seq = r.Int(0); }));
  return end;
}

}  // namespace hotpath::storage
