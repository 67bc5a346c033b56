#pragma once
// Operators pausing and resuming functions (`function_controls`), as one disables an AWS Lambda
// event source mapping: a paused function's consumer reads nothing, so its lag grows with every
// event published, and a resumed one takes up where its group's committed offsets are. The state
// is kept in the database, so it survives restarts and reaches the process that runs the functions
// (the primary of a cluster) from any process or from `hotpath functions pause|resume`: the
// runtime applies it at start and re-reads it every 250 ms (functions/runtime.h).

#include <map>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace hotpath::functions {

struct Control {
  bool paused = false;
  Millis changed_at = 0;   // 0: never paused or resumed
  std::string changed_by;  // user id, or "cli"
};

class Controls {
 public:
  Controls(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  // Every function an operator has paused or resumed, by name.
  Result<std::map<std::string, Control>> List();
  // Records the state of `function` (the caller checks that it exists) and returns it.
  Result<Control> Set(const std::string& function, bool paused, const std::string& by);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace hotpath::functions
