#pragma once
// Reading the transactional outbox in relay order, without ever skipping a row that commits late.
// SQLite has one writer, so `seq` (assigned at insert) is commit order and a position is the last
// seq read. On PostgreSQL several connections and processes commit outbox rows concurrently: a row
// with a smaller seq may become visible after one with a larger seq. There every row carries its
// writing transaction's id (`xid`, migration 10), and a reader takes only rows whose transaction is
// below its snapshot's xmin (all such transactions have finished, so every row they committed is
// visible in that snapshot), in (xid, seq) order. The position is the (xid, seq) of the last row read:
// a transaction still running when a reader passed has an xid at or above that snapshot's xmin, so
// its rows sort after the position and are read once it commits.
// Per key (an order's events), (xid, seq) order is commit order: a transaction writing an event of
// an order it read (or updated) started after the previous writer of that order committed, so it
// took its xid and seq later.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "storage/connection.h"

namespace hotpath::storage {

struct OutboxPosition {
  std::int64_t xid = 0;  // 0 on SQLite (and for rows written before migration 10 on PostgreSQL)
  std::int64_t seq = 0;
  friend bool operator==(const OutboxPosition&, const OutboxPosition&) = default;
};

// Calls on_row for up to `limit` outbox rows after `from` in relay order (see above), with the row's
// own position. `columns` are selected first (column 0 onwards); `filter`, when not empty, is an
// extra SQL condition without parameters (e.g. "topic = 'orders'").
Status ReadOutboxAfter(Connection& c, OutboxPosition from, std::string_view columns, std::string_view filter,
                       std::int64_t limit, const std::function<void(const Row&, OutboxPosition)>& on_row);

// A position at the outbox's current end: rows committed from now on come after it (on PostgreSQL
// rows of transactions still running may come after it too, read once committed).
Result<OutboxPosition> OutboxEnd(Connection& c);

}  // namespace hotpath::storage
