#pragma once
// /v1/alarms (admin): PUT /v1/alarms/{name} creates (201) or replaces (200) an alarm, GET lists
// them ({items: [{name, state, since, reason, ..definition}]}), GET /v1/alarms/{name} and
// /v1/alarms/{name}/history ({items: [{time, type, summary, old_state, new_state, reason}]},
// newest first), DELETE /v1/alarms/{name} (204). Config alarms answer 409 to PUT and DELETE.

#include "identity/identity_service.h"
#include "net/router.h"
#include "ops/alarm_service.h"

namespace hotpath::console {

void RegisterAlarmRoutes(net::Router& router, ops::AlarmService& alarms, const identity::IdentityService& identity);

}  // namespace hotpath::console
