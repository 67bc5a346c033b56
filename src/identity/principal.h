#pragma once
// Who is calling: the authenticated user, their role and, for restaurant staff, their restaurant.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace hotpath::identity {

enum class Role { kCustomer, kRestaurant, kRider, kAdmin };

std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);

struct Principal {
  std::string user_id;
  Role role = Role::kCustomer;
  std::string restaurant_id;  // staff of this restaurant when role is kRestaurant
  std::string token_id;       // the bearer token's unique id (its `jti`), what logout revokes
  std::int64_t expires_at = 0;  // the token's expiry, epoch milliseconds
  [[nodiscard]] bool Is(Role r) const { return role == r; }
};

// Forbidden unless the principal has one of `roles`.
inline Status RequireRole(const Principal& p, std::initializer_list<Role> roles) {
  if (std::find(roles.begin(), roles.end(), p.role) != roles.end()) return OkStatus();
  return Error::Forbidden("role '" + std::string(RoleName(p.role)) + "' may not do this");
}

}  // namespace hotpath::identity
