#pragma once
// /v1/auth/* and /v1/users: parse, call IdentityService, serialise.

#include <boost/json/value.hpp>

#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::identity {

boost::json::object UserJson(const User& u);
void RegisterRoutes(net::Router& router, IdentityService& service);

}  // namespace hotpath::identity
