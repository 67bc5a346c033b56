#pragma once
// Idempotent consumers: the events each function has applied, recorded durably in
// `processed_events (function, event_id)`. A handler whose effects live in the database makes them
// and the record in ONE transaction (ApplyOnce), so a redelivered event (after a crash, a relay
// resend, a replay) takes effect exactly once.

#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
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

// Whether `function` has processed the event (a read; the runtime's fast path for repeats).
Result<bool> WasProcessed(storage::Database& db, const std::string& function, const std::string& event_id);

}  // namespace hotpath::functions
