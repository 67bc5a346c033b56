#include "storage/sqlite_database.h"

#include <fmt/format.h>

#include "storage/migrations.h"

namespace hotpath::storage {

Result<std::unique_ptr<Database>> SqliteDatabase::Open(const DatabaseOptions& options) {
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(options));
  HP_ASSIGN(db->writer_, SqliteConnection::Open(options.path, false));
  for (int i = 0; i < options.read_connections; ++i) {
    HP_ASSIGN(auto reader, SqliteConnection::Open(options.path, true));
    db->idle_readers_.push_back(reader.get());
    db->readers_.push_back(std::move(reader));
  }
  db->queue_ = std::make_unique<WriteQueue>(options.max_batch,
                                            [d = db.get()](int, std::vector<WriteJob*>& b) { d->RunBatch(b); });
  return std::unique_ptr<Database>(std::move(db));
}

SqliteDatabase::~SqliteDatabase() { queue_.reset(); }

Status SqliteDatabase::Submit(std::function<bool(Connection&)> run, WriteLane /*lane: one writer*/) {
  return queue_->Submit(std::move(run));
}

void SqliteDatabase::RunBatch(std::vector<WriteJob*>& batch) {
  Connection& c = *writer_;
  if (auto st = c.ExecScript("BEGIN IMMEDIATE"); !st.ok()) {
    for (WriteJob* j : batch) j->result = st;
    return;
  }
  auto& hooks = c.after_commit_hooks();
  hooks.clear();
  for (WriteJob* j : batch) {
    std::size_t hooks_before = hooks.size();
    (void)c.Exec("SAVEPOINT unit");
    bool keep = false;
    try {
      keep = j->run(c);
    } catch (const std::exception& e) {
      j->result = Error::Internal(fmt::format("write failed: {}", e.what()));
    }
    if (!keep) {
      (void)c.Exec("ROLLBACK TO unit");
      hooks.resize(hooks_before);
    }
    (void)c.Exec("RELEASE unit");
  }
  if (auto st = c.ExecScript("COMMIT"); !st.ok()) {
    (void)c.ExecScript("ROLLBACK");
    for (WriteJob* j : batch) j->result = Error::Unavailable("commit failed: " + st.error().message);
    hooks.clear();
    return;
  }
  for (auto& h : hooks) {
    try {
      h();
    } catch (...) {
      // A hook is a best-effort notification; the data is already durable.
    }
  }
  hooks.clear();
}

SqliteConnection* SqliteDatabase::AcquireReader() {
  std::unique_lock lock(readers_mu_);
  readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
  SqliteConnection* c = idle_readers_.back();
  idle_readers_.pop_back();
  return c;
}

void SqliteDatabase::ReleaseReader(SqliteConnection* conn) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(conn);
  }
  readers_cv_.notify_one();
}

Status SqliteDatabase::RunRead(const std::function<bool(Connection&)>& run, ReadFrom /*from*/) {
  SqliteConnection* c = AcquireReader();
  struct Release {
    SqliteDatabase* db;
    SqliteConnection* c;
    ~Release() { db->ReleaseReader(c); }
  } release{this, c};
  HP_TRY(c->ExecScript("BEGIN"));
  (void)run(*c);
  (void)c->ExecScript("COMMIT");
  return OkStatus();
}

Status SqliteDatabase::Migrate() {
  return Write<Ok>([](Connection& c) -> Result<Ok> { return ApplyMigrations(c); });
}

int SqliteDatabase::SchemaVersion() {
  auto r = Read<int>([](Connection& c) -> Result<int> { return CurrentVersion(c); });
  return r.ok() ? *r : -1;
}

}  // namespace hotpath::storage
