#include "functions/processed.h"

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
  return db.Write<bool>([&](storage::Connection& c) -> Result<bool> {
    HP_ASSIGN(bool first, MarkProcessed(c, function, event_id, now));
    if (!first) return false;
    HP_TRY(effects(c));
    return true;
  });
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
