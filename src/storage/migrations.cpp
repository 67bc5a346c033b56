#include "storage/migrations.h"

#include <fmt/format.h>

#include <chrono>

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
)sql",
       R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('customer','restaurant','rider','admin')),
  restaurant_id TEXT,
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE zones (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  polygon TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE restaurants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  lat DOUBLE PRECISION NOT NULL,
  lon DOUBLE PRECISION NOT NULL,
  zone_id TEXT REFERENCES zones(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX restaurants_lat ON restaurants(lat);
CREATE TABLE menu_items (
  id TEXT PRIMARY KEY,
  restaurant_id TEXT NOT NULL REFERENCES restaurants(id),
  name TEXT NOT NULL,
  price BIGINT NOT NULL CHECK (price >= 0),
  currency TEXT NOT NULL,
  available BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX menu_items_restaurant ON menu_items(restaurant_id, created_at);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES users(id),
  restaurant_id TEXT NOT NULL REFERENCES restaurants(id),
  zone_id TEXT,
  rider_id TEXT,
  status TEXT NOT NULL,
  version BIGINT NOT NULL,
  subtotal BIGINT NOT NULL,
  delivery_fee BIGINT NOT NULL,
  small_order_fee BIGINT NOT NULL,
  total BIGINT NOT NULL,
  currency TEXT NOT NULL,
  delivery_lat DOUBLE PRECISION NOT NULL,
  delivery_lon DOUBLE PRECISION NOT NULL,
  delivery_address TEXT NOT NULL,
  prep_minutes BIGINT,
  eta_minutes BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX orders_status ON orders(status, rider_id);
CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders(id),
  line BIGINT NOT NULL,
  item_id TEXT NOT NULL,
  name TEXT NOT NULL,
  unit_price BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  PRIMARY KEY (order_id, line)
);
CREATE TABLE order_history (
  order_id TEXT NOT NULL REFERENCES orders(id),
  seq BIGINT NOT NULL,
  status TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at BIGINT NOT NULL,
  PRIMARY KEY (order_id, seq)
);
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
  method TEXT NOT NULL,
  status TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  provider_ref TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE riders (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  status TEXT NOT NULL CHECK (status IN ('offline','available','busy')),
  lat DOUBLE PRECISION,
  lon DOUBLE PRECISION,
  zone_id TEXT,
  updated_at BIGINT NOT NULL
);
CREATE TABLE outbox (
  seq BIGINT PRIMARY KEY,
  id TEXT NOT NULL,
  topic TEXT NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX outbox_key ON outbox(key, seq);
-- Outbox sequence numbers are taken under a transaction-scoped lock, so they become visible in
-- the order they were assigned: the relay, which reads "seq > position", never skips a row that a
-- slower transaction (another api process) commits later with a smaller number.
CREATE SEQUENCE outbox_seq_seq OWNED BY outbox.seq;
CREATE FUNCTION outbox_assign_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7007001);
  NEW.seq := nextval('outbox_seq_seq');
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_assign_seq BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_assign_seq();
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
)sql",
       R"sql(
CREATE TABLE outbox_relay (id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL);
CREATE TABLE processed_events (
  function TEXT NOT NULL,
  event_id TEXT NOT NULL,
  processed_at BIGINT NOT NULL,
  PRIMARY KEY (function, event_id)
);
CREATE TABLE order_status_cache (
  order_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  version BIGINT NOT NULL,
  rider_id TEXT,
  event_type TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE analytics_orders (
  order_id TEXT PRIMARY KEY,
  zone_id TEXT NOT NULL,
  placed_at BIGINT,
  delivered_at BIGINT,
  cancelled_at BIGINT
);
CREATE TABLE analytics_zone_minutes (
  zone_id TEXT NOT NULL,
  minute BIGINT NOT NULL,
  placed BIGINT NOT NULL DEFAULT 0,
  delivered BIGINT NOT NULL DEFAULT 0,
  cancelled BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (zone_id, minute)
);
CREATE INDEX analytics_orders_delivered ON analytics_orders(zone_id, delivered_at);
CREATE TABLE notification_channels (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL CHECK (kind IN ('webhook','email','push')),
  target TEXT NOT NULL,
  secret TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX notification_channels_user ON notification_channels(user_id);
)sql"},
      {3, "outbox trace context", R"sql(
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
)sql"},
      {4, "functions: dead-letter replay requests, notification deliveries", R"sql(
CREATE TABLE function_replays (
  id INTEGER PRIMARY KEY,
  function TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  done_at BIGINT,
  replayed BIGINT,
  error TEXT
);
CREATE TABLE notify_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  secret TEXT,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts BIGINT NOT NULL,
  next_at BIGINT NOT NULL,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(status, next_at);
)sql", R"sql(
CREATE TABLE function_replays (
  id BIGSERIAL PRIMARY KEY,
  function TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  done_at BIGINT,
  replayed BIGINT,
  error TEXT
);
CREATE TABLE notify_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  secret TEXT,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts BIGINT NOT NULL,
  next_at BIGINT NOT NULL,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(status, next_at);
)sql"},
      {5, "tracking: downsampled rider trail", R"sql(
CREATE TABLE rider_trail (
  rider_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  lat DOUBLE PRECISION NOT NULL,
  lon DOUBLE PRECISION NOT NULL,
  accuracy_m DOUBLE PRECISION,
  speed_mps DOUBLE PRECISION,
  heading_deg DOUBLE PRECISION,
  PRIMARY KEY (rider_id, at)
);
)sql"},
      {6, "identity: revoked bearer tokens (logout)", R"sql(
CREATE TABLE revoked_tokens (
  token_id TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens(expires_at);
)sql"},
      {7, "notifications: ordering key (the event's subject: one delivery at a time per channel and key)", R"sql(
ALTER TABLE notify_deliveries ADD COLUMN ordering_key TEXT;
)sql"},
      // The console's live feed counts the orders placed per zone in the last two hours every
      // second (console/live_queries.h): a range on created_at, zone_id read from the index alone.
      {8, "orders: index on created_at (per-zone counts of recent orders)", R"sql(
CREATE INDEX orders_created ON orders(created_at, zone_id);
)sql"},
      {9, "functions: paused by an operator", R"sql(
CREATE TABLE function_controls (
  function TEXT PRIMARY KEY,
  paused BIGINT NOT NULL,
  changed_at BIGINT NOT NULL,
  changed_by TEXT
);
)sql"},
      // PostgreSQL: several writer connections (and processes) commit outbox rows concurrently, so
      // `seq` no longer follows commit order. Each row records its writing transaction's id; the
      // relay and the live tail read only rows of transactions below their snapshot's xmin (all of
      // them finished) in (xid, seq) order, and remember (xid, seq) as their position: a row of a
      // transaction still running is read once it has committed, never skipped. The advisory lock
      // that serialised every outbox writer until its commit goes. Rows written before this
      // migration have xid 0 (they were in seq = commit order), the relay's position (0, seq).
      // SQLite has one writer: seq is commit order there, nothing changes.
      {10, "outbox: writing transaction id for concurrent writers (PostgreSQL)", R"sql(
SELECT 1;
)sql",
       R"sql(
ALTER TABLE outbox ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE outbox ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
ALTER TABLE outbox ALTER COLUMN seq SET DEFAULT nextval('outbox_seq_seq');
DROP TRIGGER outbox_assign_seq ON outbox;
DROP FUNCTION outbox_assign_seq();
CREATE INDEX outbox_xid ON outbox(xid, seq);
ALTER TABLE outbox_relay ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
)sql"},
      // Each process start bumps the cached copies of the orders changed within a cached value's
      // lifetime (orders/recent_changes.h): a range of updated_at read from the index alone, instead
      // of a scan of every order ever placed. The same SQL on both engines.
      {11, "orders: index on updated_at (orders changed recently, bumped in the cache at start)", R"sql(
CREATE INDEX orders_updated ON orders(updated_at, id);
)sql"},
      // The shared cache's order copies are bumped from the outbox at least once
      // (orders/cache_bumper.h): its position, like the relay's ((xid, seq) on PostgreSQL).
      {12, "outbox: position of the order cache bumps", R"sql(
CREATE TABLE outbox_cache_bumps (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
)sql",
       R"sql(
CREATE TABLE outbox_cache_bumps (id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, xid xid8 NOT NULL);
)sql"},
  };
  return list;
}

Result<int> CurrentVersion(Connection& c) {
  int version = 0;
  bool has_table = false;
  const char* probe = c.dialect() == Dialect::kPostgres
                          ? "SELECT 1 WHERE to_regclass('schema_migrations') IS NOT NULL"
                          : "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'";
  HP_TRY(c.Query(probe, {}, [&](const Row&) { has_table = true; }));
  if (!has_table) return 0;
  HP_TRY(c.Query("SELECT COALESCE(MAX(version),0) FROM schema_migrations", {},
                 [&](const Row& r) { version = static_cast<int>(r.Int(0)); }));
  return version;
}

Result<Ok> ApplyMigrations(Connection& c) { return ApplyMigrations(c, AllMigrations()); }

Result<Ok> ApplyMigrations(Connection& c, const std::vector<Migration>& list) {
  const bool pg = c.dialect() == Dialect::kPostgres;
  // Several processes may start at once against one PostgreSQL: the first migrates, the others wait
  // for its commit and then find nothing to do.
  if (pg) HP_TRY(c.Query("SELECT pg_advisory_xact_lock(7007000)", {}, nullptr));
  HP_TRY(c.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)"));
  HP_ASSIGN(int current, CurrentVersion(c));
  int latest = list.empty() ? 0 : list.back().version;
  if (current > latest) {
    return Error::Conflict(fmt::format(
        "database schema version {} is newer than this binary knows ({}); upgrade hotpath", current, latest));
  }
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (const auto& m : list) {
    if (m.version <= current) continue;
    auto st = c.ExecScript(pg && m.postgres ? m.postgres : m.sql);
    if (!st.ok()) {
      return Error::Internal(
          fmt::format("migration {} ({}) failed: {}", m.version, m.name, st.error().message));
    }
    HP_TRY(c.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                  {std::int64_t{m.version}, std::string(m.name), std::int64_t{now_s}}));
  }
  return Ok{};
}

}  // namespace hotpath::storage
