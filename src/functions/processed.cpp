#include "functions/processed.h"

#include <set>

namespace hotpath::functions {

Result<bool> MarkProcessed(storage::Connection& c, std::string_view function, std::string_view event_id, Millis now) {
  HP_ASSIGN(auto changed,
            c.Exec("INSERT INTO processed_events(function, event_id, processed_at) VALUES (?,?,?) "
                   "ON CONFLICT (function, event_id) DO NOTHING",
                   {std::string(function), std::string(event_id), now}));
  return changed == 1;
}

Result<bool> ApplyOnce(storage::Database& db, const std::string& function, const std::string& event_id, Millis now,
                       const std::function<Status(storage::Connection&)>& effects) {
  if (db.dialect() == storage::Dialect::kPostgres) {
    // On PostgreSQL the group commit's round trips bound writes per second, and every committed
    // order event reaches several functions: the record is sent without waiting (ExecLater) and a
    // repeat, which is rare (a redelivery after a crash or a replay), shows as its key's unique
    // violation failing the unit, effects and all; a read then tells a repeat from another conflict.
    auto applied = db.Write<bool>([&](storage::Connection& c) -> Result<bool> {
      HP_TRY(c.ExecLater("INSERT INTO processed_events(function, event_id, processed_at) VALUES (?,?,?)",
                         {function, event_id, now}));
      HP_TRY(effects(c));
      return true;
    });
    if (!applied.ok() && applied.error().code == ErrorCode::kConflict) {
      HP_ASSIGN(bool seen, WasProcessed(db, function, event_id));
      if (seen) return false;
    }
    return applied;
  }
  return db.Write<bool>([&](storage::Connection& c) -> Result<bool> {
    HP_ASSIGN(bool first, MarkProcessed(c, function, event_id, now));
    if (!first) return false;
    HP_TRY(effects(c));
    return true;
  });
}

Result<std::vector<std::string>> ApplyBatchOnce(storage::Database& db, const std::string& sql, const std::string& rows,
                                                const std::string& function, Millis now,
                                                const std::vector<storage::SqlValue>& extra,
                                                const std::function<void(const storage::Row&)>& on_row) {
  std::vector<storage::SqlValue> params{rows, function, now};
  params.insert(params.end(), extra.begin(), extra.end());
  std::vector<std::string> fresh;
  HP_TRY(db.Write<Ok>([&](storage::Connection& c) -> Result<Ok> {
    fresh.clear();  // a retried batch runs its units again
    HP_TRY(c.QueryLater(sql, params, [&](const storage::Row& r) {
      fresh.push_back(r.Text(0));
      if (on_row) on_row(r);
    }));
    return Ok{};
  }));
  return fresh;
}

void MarkFresh(const std::vector<Invocation>& invocations, const std::vector<std::string>& fresh,
               std::vector<Outcome>& out) {
  std::set<std::string_view> pending(fresh.begin(), fresh.end());
  for (std::size_t i = 0; i < invocations.size(); ++i) {
    if (out[i] == Outcome::kRepeat && pending.erase(invocations[i].event.id) > 0) out[i] = Outcome::kApplied;
  }
}

Result<bool> WasProcessed(storage::Database& db, const std::string& function, const std::string& event_id) {
  return db.Read<bool>([&](storage::Connection& c) -> Result<bool> {
    bool found = false;
    HP_TRY(c.Query("SELECT 1 FROM processed_events WHERE function = ? AND event_id = ?", {function, event_id},
                   [&](const storage::Row&) { found = true; }));
    return found;
  });
}

}  // namespace hotpath::functions
