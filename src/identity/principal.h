#pragma once
// Who is calling: the authenticated user, their role and, for restaurant staff, their restaurant.

#include <algorithm>
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
  [[nodiscard]] bool Is(Role r) const { return role == r; }
};

// Forbidden unless the principal has one of `roles`.
inline Status RequireRole(const Principal& p, std::initializer_list<Role> roles) {
  if (std::find(roles.begin(), roles.end(), p.role) != roles.end()) return OkStatus();
  return Error::Forbidden("role '" + std::string(RoleName(p.role)) + "' may not do this");
}

}  // namespace hotpath::identity
