#pragma once
// HTTP routes of the functions context:
//   GET /v1/analytics/zones/{id}?from=RFC3339&to=RFC3339   (admin) the analytics function's report
//   GET|POST /v1/me/notification-channels, DELETE /v1/me/notification-channels/{id}   (any user)
//   GET /v1/functions, POST /v1/functions/{name}/pause, POST /v1/functions/{name}/resume   (admin)

#include <functional>
#include <string>

#include "functions/analytics.h"
#include "functions/channels.h"
#include "functions/controls.h"
#include "functions/runtime.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::functions {

// `zone_exists` tells an unknown zone (404) from a quiet one (zeros).
void RegisterRoutes(net::Router& router, Analytics& analytics, ChannelStore& channels,
                    const identity::IdentityService& identity,
                    std::function<Result<bool>(const std::string&)> zone_exists);

// The functions and their operator controls. `specs` are the functions the server defines;
// `runtime()` is this process's runtime (lag, and a pause applied at once), null in a process that
// runs no functions (an api process of a cluster: the primary applies the recorded state within
// 250 ms, and `hotpath cluster` routes /v1/functions to the primary anyway).
void RegisterControlRoutes(net::Router& router, Controls& controls, std::vector<FunctionSpec> specs,
                           std::function<Runtime*()> runtime, const identity::IdentityService& identity);

}  // namespace hotpath::functions
