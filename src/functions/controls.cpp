#include "functions/controls.h"

namespace hotpath::functions {

Result<std::map<std::string, Control>> Controls::List() {
  return db_.Read<std::map<std::string, Control>>(
      [](storage::Connection& c) -> Result<std::map<std::string, Control>> {
        std::map<std::string, Control> out;
        HP_TRY(c.Query("SELECT function, paused, changed_at, changed_by FROM function_controls", {},
                       [&](const storage::Row& r) {
                         out[r.Text(0)] = Control{r.Int(1) != 0, r.Int(2), r.OptText(3).value_or("")};
                       }));
        return out;
      });
}

Result<Control> Controls::Set(const std::string& function, bool paused, const std::string& by) {
  Control c{paused, clock_.NowMillis(), by};
  HP_TRY(db_.Write<Ok>([&](storage::Connection& conn) -> Result<Ok> {
    HP_TRY(conn.Exec(
        "INSERT INTO function_controls(function, paused, changed_at, changed_by) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (function) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at, "
        "changed_by = excluded.changed_by",
        {function, std::int64_t{paused ? 1 : 0}, c.changed_at, by}));
    return Ok{};
  }));
  return c;
}

}  // namespace hotpath::functions
