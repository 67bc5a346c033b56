#pragma once
// /v1/riders/me/*: a rider's own availability and position.

#include "fleet/fleet_service.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::fleet {

void RegisterRoutes(net::Router& router, FleetService& fleet, const identity::IdentityService& identity);

}  // namespace hotpath::fleet
