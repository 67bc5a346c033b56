#pragma once
// /v1/orders/*: quote, place, lifecycle actions, reads, Server-Sent Events, and the /v1/ws
// WebSocket that carries the same events for the orders a client subscribes to.

#include <vector>

#include "identity/identity_service.h"
#include "net/router.h"
#include "orders/live_hub.h"
#include "orders/order_service.h"
#include "orders/ws_extension.h"

namespace hotpath::orders {

void RegisterRoutes(net::Router& router, OrderService& orders, LiveHub& hub,
                    const identity::IdentityService& identity, std::vector<WsExtension*> ws_extensions = {});

}  // namespace hotpath::orders
