#pragma once
// Wraps a handler so it runs only for an authenticated caller (401 otherwise) with one of the
// given roles (403 otherwise).

#include <initializer_list>
#include <vector>

#include "api/edge.h"
#include "identity/identity_service.h"
#include "net/http.h"

namespace hotpath::identity {

template <typename F>
net::Handler Authenticated(const IdentityService& service, std::initializer_list<Role> roles, F f) {
  std::vector<Role> allowed(roles);
  return [&service, allowed, f = std::move(f)](net::Request& req) -> net::Response {
    auto who = service.Authenticate(req);
    if (!who.ok()) return api::ErrorResponse(who.error());
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), who->role) == allowed.end()) {
      return api::ErrorResponse(
          Error::Forbidden(std::string("role '") + std::string(RoleName(who->role)) + "' may not do this"));
    }
    return f(*who, req);
  };
}

}  // namespace hotpath::identity
