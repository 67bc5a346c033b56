#pragma once
// Idempotent consumers: the events each function has applied, recorded durably in
// `processed_events (function, event_id)`. A handler whose effects live in the database makes them
// and the record in ONE transaction (ApplyOnce), so a redelivered event (after a crash, a relay
// resend, a replay) takes effect exactly once.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "functions/runtime.h"
#include "storage/database.h"

namespace hotpath::functions {

// Records the event inside the caller's write transaction: true when this is its first time,
// false when `function` had already processed it (nothing written then).
Result<bool> MarkProcessed(storage::Connection& c, std::string_view function, std::string_view event_id, Millis now);

// Runs `effects` and records the event in one transaction, unless it was already processed.
// Returns true when the effects ran (and are durable), false for a repeat. On PostgreSQL the record
// is pipelined ahead of the effects, so a repeat surfaces as the failure of the effects' first
// waiting statement (or of the unit's end) and nothing of the unit stays.
Result<bool> ApplyOnce(storage::Database& db, const std::string& function, const std::string& event_id, Millis now,
                       const std::function<Status(storage::Connection&)>& effects);

// PostgreSQL, a batch of events as one unit (Function::HandleBatch): `sql` is ONE statement whose
// parameters are (a JSON array of the batch's rows, `function`, `now`, then `extra`); it reads the
// rows as `b` (json_to_recordset), records each event id of `b` in processed_events with
// ON CONFLICT DO NOTHING in a CTE `fresh` (RETURNING event_id), makes its effects from the rows of
// `b` joined with `fresh` only, and returns `fresh`'s ids (column 0) as its rows, with any more
// columns handed to `on_row`. The statement is sent without waiting (QueryLater): the batch costs
// the group commit no round trip of its own. Returns the ids that were fresh (the others were
// repeats). `rows` must not repeat an event id.
Result<std::vector<std::string>> ApplyBatchOnce(storage::Database& db, const std::string& sql, const std::string& rows,
                                                const std::string& function, Millis now,
                                                const std::vector<storage::SqlValue>& extra = {},
                                                const std::function<void(const storage::Row&)>& on_row = {});

// After ApplyBatchOnce: an invocation marked kRepeat ("until the statement says it was fresh")
// whose event id is in `fresh` becomes kApplied, once per id (a second copy in the batch stays a
// repeat).
void MarkFresh(const std::vector<Invocation>& invocations, const std::vector<std::string>& fresh,
               std::vector<Outcome>& out);

// Whether `function` has processed the event (a read; the runtime's fast path for repeats).
Result<bool> WasProcessed(storage::Database& db, const std::string& function, const std::string& event_id);

}  // namespace hotpath::functions
