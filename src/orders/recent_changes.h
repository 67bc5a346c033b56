#pragma once
// The SQL that lists the orders changed since a time (OrderService::ChangedSince, run at each
// process start to bump their cached copies), kept here so that the storage tests can check, on
// both dialects, that the schema serves it from an index (EXPLAIN) and not by scanning the whole
// orders table.

namespace hotpath::orders {

// Ids of the orders whose updated_at (set by every change of an order) is at or after the parameter.
// Served by orders_updated (updated_at, id), migration 11.
inline constexpr const char* kChangedSinceSql = "SELECT id FROM orders WHERE updated_at >= ?";

}  // namespace hotpath::orders
