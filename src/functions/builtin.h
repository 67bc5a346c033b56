#pragma once
// The built-in functions and their runtime settings (from the [functions] config section):
//   order-status  orders         the latest status of every order (order_status_cache)
//   analytics     orders         per zone/minute counts and click-to-door (GET /v1/analytics/zones/{id})
//   notify        orders, notifications   webhooks, email, mobile push (functions/notify.h)

#include <vector>

#include "core/config.h"
#include "functions/notify.h"
#include "functions/runtime.h"

namespace hotpath::functions {

std::vector<FunctionSpec> BuiltinSpecs(const Config& config);
// The notification sender's settings (the [notify] config section).
SenderSettings NotifySettings(const Config& config);

}  // namespace hotpath::functions
