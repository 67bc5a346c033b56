#pragma once
// /v1/zones, /v1/restaurants and menus.

#include "catalog/catalog_service.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::catalog {

void RegisterRoutes(net::Router& router, CatalogService& catalog, const identity::IdentityService& identity);

}  // namespace hotpath::catalog
