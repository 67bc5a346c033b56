#pragma once
// The OpenAPI 3.1 description of the public API, served at /v1/openapi.json. A test checks that it
// lists exactly the routes the router serves.

#include <string>
#include <vector>

#include "net/router.h"

namespace hotpath::app {

std::string OpenApiDocument();
std::vector<net::RouteInfo> DocumentedRoutes();

}  // namespace hotpath::app
