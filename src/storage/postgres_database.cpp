#include "storage/postgres_database.h"

#include <fmt/format.h>

#include <random>
#include <thread>

#include "storage/migrations.h"
#include "storage/write_retry.h"

namespace hotpath::storage {
namespace {

constexpr auto kReplicaDownFor = std::chrono::seconds(2);
constexpr int kReplicaConnectTimeoutS = 2;

// "16/B374D848" -> 0x16B374D848; 0 for garbage.
std::uint64_t ParseLsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return 0;
  std::uint64_t hi = std::strtoull(text.substr(0, slash).c_str(), nullptr, 16);
  std::uint64_t lo = std::strtoull(text.substr(slash + 1).c_str(), nullptr, 16);
  return (hi << 32) | lo;
}

void RaiseTo(std::atomic<std::uint64_t>& a, std::uint64_t v) {
  std::uint64_t seen = a.load(std::memory_order_relaxed);
  while (v > seen && !a.compare_exchange_weak(seen, v, std::memory_order_release)) {
  }
}

void FailAll(std::vector<WriteJob*>& batch, const Error& e) {
  for (WriteJob* j : batch) j->result = e;
}

// Ends a failed attempt's transaction: reads back what is still in the pipeline (ExecScript would
// stop at its first error), then rolls back.
void Rollback(PgConnection& c) {
  (void)c.CollectPending();
  if (c.healthy()) (void)c.ExecScript("ROLLBACK");
}

}  // namespace

PgPool::~PgPool() {
  std::lock_guard lock(mu_);
  for (PgConnection* c : idle_) delete c;
}

Result<PgConnection*> PgPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      PgConnection* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  auto c = PgConnection::Open(dsn_, kReplicaConnectTimeoutS);
  if (!c.ok()) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
    return std::move(c).error();
  }
  return c->release();
}

void PgPool::Release(PgConnection* c) {
  bool reuse = c->healthy() && !c->in_failed_transaction();
  if (!reuse) delete c;
  {
    std::lock_guard lock(mu_);
    if (reuse)
      idle_.push_back(c);
    else
      --open_;
  }
  cv_.notify_one();
}

Result<std::unique_ptr<Database>> PgDatabase::Open(const DatabaseOptions& options) {
  std::unique_ptr<PgDatabase> db(new PgDatabase(options));
  // Fail fast with the server's own message when the primary is unreachable or refuses us.
  HP_ASSIGN(db->ordered_.conn, PgConnection::Open(options.url));
  int size = options.read_connections < 1 ? 1 : options.read_connections;
  db->primary_ = std::make_unique<PgPool>("primary", options.url, size);
  for (std::size_t i = 0; i < options.replicas.size(); ++i) {
    auto r = std::make_unique<Replica>();
    r->pool = std::make_unique<PgPool>(fmt::format("replica{}", i), options.replicas[i], size);
    db->replicas_.push_back(std::move(r));
  }
  db->queue_ = std::make_unique<WriteQueue>(
      options.max_batch, [d = db.get()](int, std::vector<WriteJob*>& b) { d->RunBatch(d->ordered_, b); });
  if (options.writers > 0) {
    // Connections opened by each writer's first batch.
    db->independent_.resize(static_cast<std::size_t>(options.writers));
    for (auto& w : db->independent_) w.begin = "BEGIN ISOLATION LEVEL REPEATABLE READ";
    db->independent_queue_ = std::make_unique<WriteQueue>(
        options.max_batch,
        [d = db.get()](int i, std::vector<WriteJob*>& b) { d->RunBatch(d->independent_[static_cast<std::size_t>(i)], b); },
        options.writers);
  }
  return std::unique_ptr<Database>(std::move(db));
}

PgDatabase::~PgDatabase() {
  independent_queue_.reset();
  queue_.reset();
}

Status PgDatabase::Submit(std::function<bool(Connection&)> run, WriteLane lane) {
  if (lane == WriteLane::kIndependent && independent_queue_) return independent_queue_->Submit(std::move(run));
  return queue_->Submit(std::move(run));
}

void PgDatabase::RunHooks(std::vector<std::function<void()>>& hooks) {
  std::lock_guard lock(hooks_mu_);
  for (auto& h : hooks) {
    try {
      h();
    } catch (...) {
      // A hook is a best-effort notification; the data is already durable.
    }
  }
  hooks.clear();
}

void PgDatabase::RunBatch(Writer& w, std::vector<WriteJob*>& batch) {
  // Optimistic first: units rarely fail, and a SAVEPOINT + RELEASE per unit are two of the ~9 round
  // trips of an order. Only a batch in which a unit fails runs again with a savepoint per unit
  // (units are re-runnable: a retried batch runs them again anyway).
  bool savepoints = false;
  thread_local std::uint64_t seed = std::random_device{}();
  WriteRetry retry(WriteRetryPolicy{}, seed++, WriteRetry::Clock::now());
  while (true) {
    Attempt outcome = TryBatch(w, batch, savepoints);
    if (outcome == Attempt::kDone) return;
    if (outcome == Attempt::kIsolate) {  // at most once per batch; not a failed attempt
      savepoints = true;
      continue;
    }
    // Back off before running the batch again: the conflicting transaction or the restarting
    // server needs time, not another immediate attempt.
    auto pause = retry.AfterFailure(WriteRetry::Clock::now());
    if (!pause) {
      for (WriteJob* j : batch) {
        std::string why = j->result.ok() ? "" : ": " + j->result.error().message;
        j->result = Error::Unavailable(fmt::format("database write failed after {} attempts{}", retry.attempts(), why));
      }
      return;
    }
    std::this_thread::sleep_for(*pause);
  }
}

PgDatabase::Attempt PgDatabase::TryBatch(Writer& w, std::vector<WriteJob*>& batch, bool savepoints) {
  for (WriteJob* j : batch) j->result = OkStatus();
  if (!w.conn || !w.conn->healthy()) {
    w.conn.reset();
    auto c = PgConnection::Open(options_.url);
    if (!c.ok()) {
      FailAll(batch, c.error());
      return Attempt::kRetry;
    }
    w.conn = std::move(c).value();
  }
  PgConnection& c = *w.conn;
  c.ClearRetryable();
  auto& hooks = c.after_commit_hooks();
  hooks.clear();
  auto abandon = [&](const Error& e) {
    hooks.clear();
    Rollback(c);
    FailAll(batch, e);
    return c.retryable() ? Attempt::kRetry : Attempt::kDone;
  };
  // Pipelined: BEGIN travels with the first unit's first statement (an error shows there).
  if (auto st = c.ExecLater(w.begin, {}); !st.ok()) return abandon(st.error());
  for (WriteJob* j : batch) {
    std::size_t hooks_before = hooks.size();
    if (savepoints) {
      if (auto st = c.Exec("SAVEPOINT unit"); !st.ok()) return abandon(st.error());
    }
    bool keep = false;
    try {
      keep = j->run(c);
    } catch (const std::exception& e) {
      j->result = Error::Internal(fmt::format("write failed: {}", e.what()));
    }
    // Statements a unit sent without waiting (ExecLater) count as its own. With savepoints they are
    // collected here, to roll back the right unit; without, they travel with the next unit's first
    // statement (or the COMMIT): an error there fails the attempt, which then isolates the units.
    Status collected = savepoints ? c.CollectPending() : OkStatus();
    if (c.retryable()) return abandon(Error::Unavailable("transaction must be retried"));
    if (keep && !collected.ok()) {
      keep = false;
      j->result = collected.error();
    }
    if (keep && c.in_failed_transaction()) {
      // The unit ignored a failed statement; its later statements were refused by the server.
      keep = false;
      j->result = Error::Internal("write unit continued after a failed statement");
    }
    if (!keep && !savepoints) {
      // Without a savepoint the unit's changes go with the whole transaction. Alone in its batch,
      // that is all there is to undo; otherwise the others run again, each in a savepoint.
      hooks.clear();
      Rollback(c);
      if (batch.size() == 1) return Attempt::kDone;
      return Attempt::kIsolate;
    }
    if (!keep) {
      if (auto st = c.Exec("ROLLBACK TO unit"); !st.ok()) return abandon(st.error());
      hooks.resize(hooks_before);
    }
    if (savepoints) {
      if (auto st = c.Exec("RELEASE unit"); !st.ok()) return abandon(st.error());
    }
  }
  if (auto st = c.CollectPending(); !st.ok()) {  // only without savepoints can anything be pending
    if (c.retryable()) return abandon(st.error());
    hooks.clear();
    Rollback(c);
    if (batch.size() > 1) return Attempt::kIsolate;
    batch.front()->result = st.error();
    return Attempt::kDone;
  }
  if (auto st = c.ExecScript("COMMIT"); !st.ok()) {
    hooks.clear();
    if (!c.healthy()) {
      // The COMMIT may or may not have reached the disk: running the units again could apply them
      // twice. The callers get a retryable error (orders carry idempotency keys).
      w.conn.reset();
      FailAll(batch, Error::Unavailable("database connection lost during commit; outcome unknown"));
      return Attempt::kDone;
    }
    FailAll(batch, st.error());
    return c.retryable() ? Attempt::kRetry : Attempt::kDone;
  }
  if (!replicas_.empty()) {
    // Replicas serve reads only once they have replayed up to here (read-your-writes).
    (void)c.Query("SELECT pg_current_wal_lsn()::text", {},
                  [&](const Row& row) { RaiseTo(committed_lsn_, ParseLsn(row.Text(0))); });
  }
  RunHooks(hooks);
  return Attempt::kDone;
}

Status PgDatabase::ReadOn(PgPool& pool, const std::function<bool(Connection&)>& run) {
  HP_ASSIGN(PgConnection * c, pool.Acquire());
  struct Release {
    PgPool& pool;
    PgConnection* c;
    ~Release() { pool.Release(c); }
  } release{pool, c};
  c->ClearRetryable();
  if (auto st = c->ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st.ok()) return st;
  bool ok = run(*c);
  if (c->retryable()) return Error::Unavailable(fmt::format("read on {} failed", pool.name()));
  (void)c->ExecScript(ok ? "COMMIT" : "ROLLBACK");
  pool.reads.fetch_add(1, std::memory_order_relaxed);
  return OkStatus();
}

bool PgDatabase::CaughtUp(Replica& r, PgConnection& c, std::uint64_t needed) {
  if (r.replayed.load(std::memory_order_acquire) >= needed) return true;
  std::optional<std::string> lsn;
  bool standby = true;
  auto st = c.Query("SELECT pg_last_wal_replay_lsn()::text, pg_is_in_recovery()", {}, [&](const Row& row) {
    lsn = row.OptText(0);
    standby = row.Text(1) == "t";
  });
  if (!st.ok()) return false;
  if (!standby) return true;  // promoted: it has all the old primary's writes it will ever get
  std::uint64_t replayed = lsn ? ParseLsn(*lsn) : 0;
  RaiseTo(r.replayed, replayed);
  return replayed >= needed;
}

PgPool* PgDatabase::PickReplica() {
  if (replicas_.empty()) return nullptr;
  const std::uint64_t needed = committed_lsn_.load(std::memory_order_acquire);
  auto now = std::chrono::steady_clock::now();
  std::size_t start = next_replica_.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t k = 0; k < replicas_.size(); ++k) {
    Replica& r = *replicas_[(start + k) % replicas_.size()];
    {
      std::lock_guard lock(r.mu);
      if (now < r.down_until) continue;
    }
    auto c = r.pool->Acquire();
    if (!c.ok()) {
      std::lock_guard lock(r.mu);
      r.down_until = now + kReplicaDownFor;
      continue;
    }
    bool usable = CaughtUp(r, **c, needed);
    r.pool->Release(*c);
    if (usable) return r.pool.get();
  }
  return nullptr;
}

Status PgDatabase::RunRead(const std::function<bool(Connection&)>& run, ReadFrom from) {
  if (from == ReadFrom::kReplica) {
    if (PgPool* replica = PickReplica()) {
      if (ReadOn(*replica, run).ok()) return OkStatus();
      // The replica failed under the read (gone, or the query was cancelled by recovery): the
      // primary answers instead.
    }
  }
  Status st = OkStatus();
  for (int attempt = 0; attempt < 3; ++attempt) {
    st = ReadOn(*primary_, run);
    if (st.ok()) return st;
  }
  return st;
}

std::vector<PoolStats> PgDatabase::Stats() const {
  std::vector<PoolStats> out{{primary_->name(), primary_->reads.load()}};
  for (const auto& r : replicas_) out.push_back({r->pool->name(), r->pool->reads.load()});
  return out;
}

Status PgDatabase::Migrate() {
  return Write<Ok>([](Connection& c) -> Result<Ok> { return ApplyMigrations(c); });
}

int PgDatabase::SchemaVersion() {
  auto r = Read<int>([](Connection& c) -> Result<int> { return CurrentVersion(c); });
  return r.ok() ? *r : -1;
}

}  // namespace hotpath::storage
