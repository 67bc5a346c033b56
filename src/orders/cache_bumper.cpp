#include "orders/cache_bumper.h"

#include <set>
#include <string>
#include <vector>

namespace hotpath::orders {
namespace {
constexpr std::int64_t kBatch = 2000;
}  // namespace

CacheBumper::CacheBumper(storage::Database& db, cache::VersionedCache& cache, const Logger& log,
                         std::chrono::milliseconds interval)
    : db_(db), cache_(cache), log_(log), worker_({.period = interval}, [this] { Pass(); }) {}

CacheBumper::~CacheBumper() { Stop(); }

Status CacheBumper::LoadPosition() {
  std::optional<storage::OutboxPosition> stored;
  HP_ASSIGN(stored, db_.Read<std::optional<storage::OutboxPosition>>(
                        [](storage::Connection& c) -> Result<std::optional<storage::OutboxPosition>> {
                          std::optional<storage::OutboxPosition> at;
                          const bool pg = c.dialect() == storage::Dialect::kPostgres;
                          HP_TRY(c.Query(pg ? "SELECT xid::text::bigint, seq FROM outbox_cache_bumps WHERE id = 1"
                                            : "SELECT 0, seq FROM outbox_cache_bumps WHERE id = 1",
                                         {}, [&](const storage::Row& r) { at = {r.Int(0), r.Int(1)}; }));
                          return at;
                        }));
  if (!stored) {
    // First start: from the outbox's end, stored at once so that a crash before the first pass
    // does not move the start past events committed meanwhile.
    HP_ASSIGN(auto end, db_.Read<storage::OutboxPosition>([](storage::Connection& c) { return storage::OutboxEnd(c); }));
    HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      const bool pg = c.dialect() == storage::Dialect::kPostgres;
      HP_TRY(c.Exec(pg ? "INSERT INTO outbox_cache_bumps(id, seq, xid) VALUES (1, ?, ?::text::xid8) ON CONFLICT (id) DO NOTHING"
                       : "INSERT INTO outbox_cache_bumps(id, seq) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                    pg ? std::vector<storage::SqlValue>{end.seq, end.xid} : std::vector<storage::SqlValue>{end.seq}));
      return Ok{};
    }));
    return LoadPosition();  // whoever stored first
  }
  position_ = stored;
  return OkStatus();
}

Result<int> CacheBumper::BumpOnce() {
  std::lock_guard pass(pass_mu_);
  if (!position_) {
    HP_TRY(LoadPosition());
  }
  int bumped = 0;
  for (;;) {
    struct Read {
      std::set<std::string> orders;  // changed after their placement
      std::optional<storage::OutboxPosition> last;
      std::int64_t rows = 0;
    };
    const storage::OutboxPosition from = *position_;
    HP_ASSIGN(auto read, db_.Read<Read>([from](storage::Connection& c) -> Result<Read> {
      Read out;
      HP_TRY(storage::ReadOutboxAfter(c, from, "topic, type, key", "", kBatch,
                                      [&](const storage::Row& r, storage::OutboxPosition at) {
                                        const std::string type = r.Text(1);
                                        if (r.Text(0) == "orders" && type.starts_with("order.") && type != "order.placed")
                                          out.orders.insert(r.Text(2));
                                        out.last = at;
                                        ++out.rows;
                                      }));
      return out;
    }));
    if (!read.last) return bumped;
    for (const auto& id : read.orders) HP_TRY(cache_.Bump("order:" + id));
    const storage::OutboxPosition last = *read.last;
    HP_TRY(db_.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
      if (c.dialect() == storage::Dialect::kPostgres) {
        HP_TRY(c.Exec("UPDATE outbox_cache_bumps SET seq = ?, xid = ?::text::xid8 WHERE id = 1", {last.seq, last.xid}));
      } else {
        HP_TRY(c.Exec("UPDATE outbox_cache_bumps SET seq = ? WHERE id = 1", {last.seq}));
      }
      return Ok{};
    }));
    position_ = last;
    bumped += static_cast<int>(read.orders.size());
    if (read.rows < kBatch) return bumped;
  }
}

Status CacheBumper::Start() {
  {
    std::lock_guard pass(pass_mu_);
    HP_TRY(LoadPosition());
  }
  worker_.Start();
  return OkStatus();
}

void CacheBumper::Stop() { worker_.Stop(); }

void CacheBumper::Pass() {
  auto pass = BumpOnce();
  if (!pass.ok() && !failing_) {
    log_.Warn("order cache bumps wait for the cache", {{"error", pass.error().message}});
  } else if (pass.ok() && failing_) {
    log_.Info("order cache bumps caught up");
  }
  failing_ = !pass.ok();
}

}  // namespace hotpath::orders
