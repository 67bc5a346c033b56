#include "storage/migrations.h"

#include <fmt/format.h>

namespace hotpath::storage {

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> list = {
      {1, "core schema", R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('customer','restaurant','rider','admin')),
  restaurant_id TEXT,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE zones (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  polygon TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE restaurants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  zone_id TEXT REFERENCES zones(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX restaurants_lat ON restaurants(lat);
CREATE TABLE menu_items (
  id TEXT PRIMARY KEY,
  restaurant_id TEXT NOT NULL REFERENCES restaurants(id),
  name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  currency TEXT NOT NULL,
  available INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX menu_items_restaurant ON menu_items(restaurant_id, created_at);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES users(id),
  restaurant_id TEXT NOT NULL REFERENCES restaurants(id),
  zone_id TEXT,
  rider_id TEXT,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  subtotal INTEGER NOT NULL,
  delivery_fee INTEGER NOT NULL,
  small_order_fee INTEGER NOT NULL,
  total INTEGER NOT NULL,
  currency TEXT NOT NULL,
  delivery_lat REAL NOT NULL,
  delivery_lon REAL NOT NULL,
  delivery_address TEXT NOT NULL,
  prep_minutes INTEGER,
  eta_minutes INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX orders_status ON orders(status, rider_id);
CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  name TEXT NOT NULL,
  unit_price INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (order_id, line)
);
CREATE TABLE order_history (
  order_id TEXT NOT NULL REFERENCES orders(id),
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (order_id, seq)
);
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
  method TEXT NOT NULL,
  status TEXT NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  provider_ref TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE riders (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  status TEXT NOT NULL CHECK (status IN ('offline','available','busy')),
  lat REAL,
  lon REAL,
  zone_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  topic TEXT NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_key ON outbox(key, seq);
)sql"},
      {2, "events: relay position, processed events, read models, notification channels", R"sql(
CREATE TABLE outbox_relay (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
CREATE TABLE processed_events (
  function TEXT NOT NULL,
  event_id TEXT NOT NULL,
  processed_at INTEGER NOT NULL,
  PRIMARY KEY (function, event_id)
);
CREATE TABLE order_status_cache (
  order_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  rider_id TEXT,
  event_type TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE analytics_orders (
  order_id TEXT PRIMARY KEY,
  zone_id TEXT NOT NULL,
  placed_at INTEGER,
  delivered_at INTEGER,
  cancelled_at INTEGER
);
CREATE TABLE analytics_zone_minutes (
  zone_id TEXT NOT NULL,
  minute INTEGER NOT NULL,
  placed INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (zone_id, minute)
);
CREATE INDEX analytics_orders_delivered ON analytics_orders(zone_id, delivered_at);
CREATE TABLE notification_channels (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL CHECK (kind IN ('webhook','email','push')),
  target TEXT NOT NULL,
  secret TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX notification_channels_user ON notification_channels(user_id);
)sql"},
      {3, "outbox trace context", R"sql(
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
)sql"},
  };
  return list;
}

Result<int> CurrentVersion(Connection& c) {
  int version = 0;
  bool has_table = false;
  HP_TRY(c.Query("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'", {},
                 [&](const Row&) { has_table = true; }));
  if (!has_table) return 0;
  HP_TRY(c.Query("SELECT COALESCE(MAX(version),0) FROM schema_migrations", {},
                 [&](const Row& r) { version = static_cast<int>(r.Int(0)); }));
  return version;
}

Result<Ok> ApplyMigrations(Connection& c) {
  HP_TRY(c.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL)"));
  HP_ASSIGN(int current, CurrentVersion(c));
  int latest = AllMigrations().empty() ? 0 : AllMigrations().back().version;
  if (current > latest) {
    return Error::Conflict(fmt::format(
        "database schema version {} is newer than this binary knows ({}); upgrade hotpath", current, latest));
  }
  for (const auto& m : AllMigrations()) {
    if (m.version <= current) continue;
    auto st = c.ExecScript(m.sql);
    if (!st.ok()) {
      return Error::Internal(
          fmt::format("migration {} ({}) failed: {}", m.version, m.name, st.error().message));
    }
    HP_TRY(
        c.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, strftime('%s','now'))",
               {std::int64_t{m.version}, std::string(m.name)}));
  }
  return Ok{};
}

}  // namespace hotpath::storage
