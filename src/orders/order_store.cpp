#include "orders/order_store.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/json.h"
#include "core/trace.h"

namespace hotpath::orders::store {
namespace bj = boost::json;
using storage::Row;
using storage::SqlValue;

namespace {
SqlValue NullIfEmpty(const std::string& s) { return s.empty() ? SqlValue(nullptr) : SqlValue(s); }

constexpr std::string_view kInsertOrder =
    "INSERT INTO orders(id,customer_id,restaurant_id,zone_id,rider_id,status,version,subtotal,delivery_fee,"
    "small_order_fee,total,currency,delivery_lat,delivery_lon,delivery_address,prep_minutes,eta_minutes,"
    "idempotency_key,request_hash,created_at,updated_at) VALUES "
    "(?,?,?,?,NULL,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?)";

std::vector<SqlValue> OrderRow(const Order& o, const std::string& idempotency_key,
                               const std::string& request_hash) {
  return {o.id, o.customer_id, o.restaurant_id, NullIfEmpty(o.zone_id), std::string(StatusName(o.status)),
          o.version, o.subtotal, o.delivery_fee, o.small_order_fee, o.total, o.currency, o.delivery.lat,
          o.delivery.lon, o.address, std::int64_t{o.eta_minutes}, idempotency_key, request_hash, o.created_at,
          o.updated_at};
}

// PostgreSQL: the order, its lines and its history in one statement (data-modifying CTEs; the
// foreign keys are checked at the end of the statement). One round trip instead of one per row on
// the group-commit writer, where round trips are what bounds durable orders per second.
Status InsertOrderPostgres(storage::Connection& c, const Order& o, const std::string& idempotency_key,
                           const std::string& request_hash) {
  std::string sql = fmt::format("WITH new_order AS ({})", kInsertOrder);
  std::vector<SqlValue> params = OrderRow(o, idempotency_key, request_hash);
  if (!o.lines.empty()) {
    sql += ", new_lines AS (INSERT INTO order_items(order_id,line,item_id,name,unit_price,quantity) VALUES ";
    std::int64_t line = 0;
    for (const auto& l : o.lines) {
      sql += line == 0 ? "(?,?,?,?,?,?)" : ",(?,?,?,?,?,?)";
      params.insert(params.end(), {o.id, ++line, l.item_id, l.name, l.unit_price, l.quantity});
    }
    sql += ")";
  }
  // A new order has no history yet: its entries are numbered from 1.
  sql += " INSERT INTO order_history(order_id,seq,status,actor,reason,at) ";
  if (o.history.empty()) {
    sql += "SELECT NULL, 0, '', '', NULL, 0 WHERE false";
  } else {
    sql += "VALUES ";
    std::int64_t seq = 0;
    for (const auto& h : o.history) {
      sql += seq == 0 ? "(?,?,?,?,?,?)" : ",(?,?,?,?,?,?)";
      params.insert(params.end(),
                    {o.id, ++seq, std::string(StatusName(h.status)), h.actor, NullIfEmpty(h.reason), h.at});
    }
  }
  // Sent without waiting: the order's event (AppendEvent's query) follows it in the same round trip.
  return c.ExecLater(sql, params);
}
}  // namespace

Status InsertOrder(storage::Connection& c, const Order& o, const std::string& idempotency_key,
                   const std::string& request_hash) {
  if (c.dialect() == storage::Dialect::kPostgres) return InsertOrderPostgres(c, o, idempotency_key, request_hash);
  HP_TRY(c.Exec(kInsertOrder, OrderRow(o, idempotency_key, request_hash)));
  std::int64_t line = 0;
  for (const auto& l : o.lines) {
    HP_TRY(
        c.Exec("INSERT INTO order_items(order_id,line,item_id,name,unit_price,quantity) VALUES (?,?,?,?,?,?)",
               {o.id, ++line, l.item_id, l.name, l.unit_price, l.quantity}));
  }
  for (const auto& h : o.history) HP_TRY(AppendHistory(c, o.id, h));
  return OkStatus();
}

Result<std::optional<Order>> LoadOrder(storage::Connection& c, const std::string& id) {
  std::optional<Order> out;
  HP_TRY(c.Query(
      "SELECT "
      "id,customer_id,restaurant_id,COALESCE(zone_id,''),COALESCE(rider_id,''),status,version,subtotal,"
      "delivery_fee,small_order_fee,total,currency,delivery_lat,delivery_lon,delivery_address,prep_minutes,"
      "eta_minutes,created_at,updated_at FROM orders WHERE id = ?",
      {id}, [&](const Row& r) {
        Order o;
        o.id = r.Text(0);
        o.customer_id = r.Text(1);
        o.restaurant_id = r.Text(2);
        o.zone_id = r.Text(3);
        o.rider_id = r.Text(4);
        o.status = ParseStatus(r.Text(5)).value_or(OrderStatus::kPlaced);
        o.version = r.Int(6);
        o.subtotal = r.Int(7);
        o.delivery_fee = r.Int(8);
        o.small_order_fee = r.Int(9);
        o.total = r.Int(10);
        o.currency = r.Text(11);
        o.delivery = {r.Double(12), r.Double(13)};
        o.address = r.Text(14);
        if (!r.IsNull(15)) o.prep_minutes = static_cast<int>(r.Int(15));
        o.eta_minutes = static_cast<int>(r.Int(16));
        o.created_at = r.Int(17);
        o.updated_at = r.Int(18);
        out = std::move(o);
      }));
  if (!out) return out;
  HP_TRY(c.Query("SELECT item_id,name,unit_price,quantity FROM order_items WHERE order_id = ? ORDER BY line",
                 {id}, [&](const Row& r) {
                   out->lines.push_back({r.Text(0), r.Text(1), r.Int(2), r.Int(3)});
                 }));
  HP_TRY(
      c.Query("SELECT status,actor,COALESCE(reason,''),at FROM order_history WHERE order_id = ? ORDER BY seq",
              {id}, [&](const Row& r) {
                out->history.push_back(
                    {ParseStatus(r.Text(0)).value_or(OrderStatus::kPlaced), r.Text(1), r.Text(2), r.Int(3)});
              }));
  HP_ASSIGN(out->payment, payments::LoadPayment(c, id));
  return out;
}

Result<std::optional<std::pair<std::string, std::string>>> FindByIdempotencyKey(
    storage::Connection& c, const std::string& customer_id, const std::string& key) {
  std::optional<std::pair<std::string, std::string>> out;
  HP_TRY(c.Query("SELECT id, request_hash FROM orders WHERE customer_id = ? AND idempotency_key = ?",
                 {customer_id, key}, [&](const Row& r) { out = std::make_pair(r.Text(0), r.Text(1)); }));
  return out;
}

Status UpdateOrder(storage::Connection& c, const Order& o) {
  HP_ASSIGN(
      auto n,
      c.Exec("UPDATE orders SET status = ?, rider_id = ?, prep_minutes = ?, version = ?, updated_at = ? "
             "WHERE id = ? AND version = ?",
             {std::string(StatusName(o.status)), NullIfEmpty(o.rider_id),
              o.prep_minutes ? SqlValue(std::int64_t{*o.prep_minutes}) : SqlValue(nullptr), o.version,
              o.updated_at, o.id, o.version - 1}));
  if (n != 1) {
    Error e = Error::Conflict("the order was changed by someone else; reload it and try again");
    return e;
  }
  return OkStatus();
}

Status AppendHistory(storage::Connection& c, const std::string& order_id, const HistoryEntry& h) {
  HP_TRY(
      c.Exec("INSERT INTO order_history(order_id,seq,status,actor,reason,at) VALUES "
             "(?, (SELECT COALESCE(MAX(seq),0)+1 FROM order_history WHERE order_id = ?), ?, ?, ?, ?)",
             {order_id, order_id, std::string(StatusName(h.status)), h.actor, NullIfEmpty(h.reason), h.at}));
  return OkStatus();
}

namespace {
// The CloudEvent for `o` (seq not yet assigned) and the trace context it carries (empty if none).
std::pair<OrderEvent, std::string> BuildEvent(const Order& o, std::string_view type, Millis now,
                                              std::string_view extra_json_members) {
  OrderEvent ev;
  ev.id = NewId("evt");
  ev.type = std::string(type);
  ev.order_id = o.id;
  bj::object data{{"order_id", o.id},
                  {"status", StatusName(o.status)},
                  {"version", o.version},
                  {"restaurant_id", o.restaurant_id},
                  {"customer_id", o.customer_id},
                  {"zone_id", o.zone_id.empty() ? bj::value(nullptr) : bj::value(o.zone_id)},
                  {"rider_id", o.rider_id.empty() ? bj::value(nullptr) : bj::value(o.rider_id)},
                  {"total", json::MoneyJson(o.total, o.currency)}};
  if (!extra_json_members.empty()) {
    auto extra = bj::parse(extra_json_members);
    for (auto& kv : extra.as_object()) data[kv.key()] = kv.value();
  }
  bj::object ce{{"specversion", "1.0"},
                {"id", ev.id},
                {"source", "/hotpath/orders"},
                {"type", ev.type},
                {"subject", o.id},
                {"time", json::FormatTime(now)},
                {"datacontenttype", "application/json"},
                {"dataschema", "https://hotpath.dev/schemas/order-event/v1"},
                {"data", std::move(data)}};
  // CloudEvents distributed-tracing extension: consumers continue the trace of the request that
  // caused the event (the writer thread runs with the caller's context, see storage/database.h).
  std::string traceparent = CurrentRequestContext().TraceParentHeader();
  if (!traceparent.empty()) ce["traceparent"] = traceparent;
  ev.json = bj::serialize(ce);
  return {std::move(ev), std::move(traceparent)};
}
}  // namespace

Result<OrderEvent> AppendEvent(storage::Connection& c, const Order& o, std::string_view type, Millis now,
                               std::string_view extra_json_members) {
  auto [ev, traceparent] = BuildEvent(o, type, now, extra_json_members);
  HP_TRY(
      c.Query("INSERT INTO outbox(id,topic,key,type,payload,created_at,traceparent) VALUES (?,?,?,?,?,?,?) "
              "RETURNING seq",
              {ev.id, std::string("orders"), o.id, ev.type, ev.json, now,
               traceparent.empty() ? SqlValue(nullptr) : SqlValue(traceparent)},
              [&](const Row& r) { ev.seq = r.Int(0); }));
  return ev;
}

namespace {
// PostgreSQL: everything in one statement whose rows exist only if the order row was inserted
// (each CTE selects from new_order), so a key used before (by an earlier unit of this transaction
// or a committed one) inserts nothing and the statement returns the earlier order instead. A
// concurrent transaction holding the key makes ON CONFLICT wait for it; if it commits, this one's
// snapshot (REPEATABLE READ or SERIALIZABLE) fails it (40001) and the retried batch finds the key. The foreign keys of the lines,
// history and payment on the new order are checked at the end of the statement.
Status PlaceOrderPostgres(storage::Connection& c, const Order& o, const std::string& idempotency_key,
                          const std::string& request_hash, Millis now, std::shared_ptr<Placement> out) {
  std::vector<SqlValue> params = OrderRow(o, idempotency_key, request_hash);
  std::string sql = fmt::format(
      "WITH new_order AS ({} ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING id)", kInsertOrder);
  if (!o.lines.empty()) {
    sql += ", new_lines AS (INSERT INTO order_items(order_id,line,item_id,name,unit_price,quantity) "
           "SELECT n.id, v.line, v.item_id, v.name, v.unit_price, v.quantity FROM new_order n, (VALUES ";
    std::int64_t line = 0;
    for (const auto& l : o.lines) {
      sql += line == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
      params.insert(params.end(), {++line, l.item_id, l.name, l.unit_price, l.quantity});
    }
    sql += ") v(line, item_id, name, unit_price, quantity))";
  }
  if (!o.history.empty()) {
    sql += ", new_history AS (INSERT INTO order_history(order_id,seq,status,actor,reason,at) "
           "SELECT n.id, v.seq, v.status, v.actor, v.reason, v.at FROM new_order n, (VALUES ";
    std::int64_t seq = 0;
    for (const auto& h : o.history) {
      // reason: typed, as a column of NULLs alone would be
      sql += seq == 0 ? "(?,?,?,?::text,?)" : ",(?,?,?,?::text,?)";
      params.insert(params.end(),
                    {++seq, std::string(StatusName(h.status)), h.actor, NullIfEmpty(h.reason), h.at});
    }
    sql += ") v(seq, status, actor, reason, at))";
  }
  if (o.payment) sql += ", new_payment AS (" + payments::InsertPaymentSelect(*o.payment, now, "new_order", params) + ")";
  auto [ev, traceparent] = BuildEvent(o, "order.placed", now, "");
  sql += ", new_event AS (INSERT INTO outbox(id,topic,key,type,payload,created_at,traceparent) "
         "SELECT ?, 'orders', n.id, ?, ?, ?, ?::text FROM new_order n RETURNING seq) "
         "SELECT e.seq, NULL, NULL FROM new_event e UNION ALL "
         "SELECT NULL, o.id, o.request_hash FROM orders o WHERE o.customer_id = ? AND o.idempotency_key = ? "
         "AND NOT EXISTS (SELECT 1 FROM new_order)";
  params.insert(params.end(), {ev.id, ev.type, ev.json, now,
                               traceparent.empty() ? SqlValue(nullptr) : SqlValue(traceparent), o.customer_id,
                               idempotency_key});
  return c.QueryLater(sql, params, [out, ev = std::move(ev)](const Row& r) {
    if (!r.IsNull(0)) {
      out->event = ev;
      out->event->seq = r.Int(0);
    } else {
      out->existing = std::make_pair(r.Text(1), r.Text(2));
    }
  });
}
}  // namespace

Status PlaceOrder(storage::Connection& c, const Order& o, const std::string& idempotency_key,
                  const std::string& request_hash, Millis now, std::shared_ptr<Placement> out) {
  *out = {};
  if (c.dialect() == storage::Dialect::kPostgres)
    return PlaceOrderPostgres(c, o, idempotency_key, request_hash, now, std::move(out));
  HP_ASSIGN(out->existing, FindByIdempotencyKey(c, o.customer_id, idempotency_key));
  if (out->existing) return OkStatus();
  HP_TRY(InsertOrder(c, o, idempotency_key, request_hash));
  if (o.payment) HP_TRY(payments::InsertPayment(c, *o.payment, now));
  HP_ASSIGN(out->event, AppendEvent(c, o, "order.placed", now));
  return OkStatus();
}

Result<std::vector<OrderEvent>> EventsAfter(storage::Connection& c, const std::string& order_id,
                                            std::int64_t seq) {
  std::vector<OrderEvent> out;
  HP_TRY(c.Query("SELECT seq, id, type, payload FROM outbox WHERE key = ? AND seq > ? ORDER BY seq",
                 {order_id, seq}, [&](const Row& r) {
                   out.push_back({r.Int(0), r.Text(1), r.Text(2), order_id, r.Text(3)});
                 }));
  return out;
}

Result<std::vector<Unassigned>> UnassignedOrders(storage::Connection& c, int limit) {
  std::vector<Unassigned> out;
  HP_TRY(c.Query(
      "SELECT o.id, COALESCE(o.zone_id,''), r.lat, r.lon, o.created_at, o.restaurant_id, o.delivery_lat, "
      "o.delivery_lon, o.status, COALESCE(o.prep_minutes, 0), o.eta_minutes, "
      "(SELECT MAX(h.at) FROM order_history h WHERE h.order_id = o.id AND h.status = 'accepted') "
      "FROM orders o JOIN restaurants r ON r.id = o.restaurant_id "
      "WHERE o.status IN ('accepted','ready') AND o.rider_id IS NULL ORDER BY o.created_at, o.id LIMIT ?",
      {std::int64_t{limit}}, [&](const Row& r) {
        Unassigned u{r.Text(0), r.Text(1), {r.Double(2), r.Double(3)}, r.Int(4)};
        u.restaurant_id = r.Text(5);
        u.delivery = {r.Double(6), r.Double(7)};
        u.status = ParseStatus(r.Text(8)).value_or(OrderStatus::kAccepted);
        u.prep_minutes = static_cast<int>(r.Int(9));
        u.eta_minutes = static_cast<int>(r.Int(10));
        u.accepted_at = r.IsNull(11) ? u.created_at : r.Int(11);
        out.push_back(std::move(u));
      }));
  return out;
}

Result<bool> RiderHasOtherOrders(storage::Connection& c, const std::string& rider_id,
                                 const std::string& except_order) {
  bool any = false;
  HP_TRY(
      c.Query("SELECT 1 FROM orders WHERE rider_id = ? AND id <> ? AND status IN ('accepted','ready',"
              "'picked_up') LIMIT 1",
              {rider_id, except_order}, [&](const Row&) { any = true; }));
  return any;
}

}  // namespace hotpath::orders::store
