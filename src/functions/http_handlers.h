#pragma once
// HTTP routes of the functions context:
//   GET /v1/analytics/zones/{id}?from=RFC3339&to=RFC3339   (admin) the analytics function's report
//   GET|POST /v1/me/notification-channels, DELETE /v1/me/notification-channels/{id}   (any user)

#include <functional>
#include <string>

#include "functions/analytics.h"
#include "functions/channels.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::functions {

// `zone_exists` tells an unknown zone (404) from a quiet one (zeros).
void RegisterRoutes(net::Router& router, Analytics& analytics, ChannelStore& channels,
                    const identity::IdentityService& identity,
                    std::function<Result<bool>(const std::string&)> zone_exists);

}  // namespace hotpath::functions
