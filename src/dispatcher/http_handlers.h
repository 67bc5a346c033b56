#pragma once
// /v1/offers (a rider's pending offers; accept and decline, the HTTP equivalent of the WebSocket
// messages) and /v1/dispatch/plan (admin: the live dispatcher's current plan of a zone).

#include "catalog/catalog_service.h"
#include "dispatcher/live_dispatcher.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::dispatcher {

// `dispatcher` is null when the server assigns the nearest rider instead (dispatch.mode = nearest):
// the routes then answer as if no offer existed and the plan says so.
void RegisterRoutes(net::Router& router, LiveDispatcher* dispatcher, catalog::CatalogService& catalog,
                    const identity::IdentityService& identity);

}  // namespace hotpath::dispatcher
