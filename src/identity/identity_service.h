#pragma once
// Accounts: sign-up, login, and accounts created by admins (staff, riders, admins). Passwords are
// hashed with Argon2id and never leave this service; users are returned without them.

#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "identity/principal.h"
#include "identity/revocations.h"
#include "identity/tokens.h"
#include "net/http.h"
#include "storage/database.h"

namespace hotpath::identity {

struct User {
  std::string id;
  std::string email;
  std::string name;
  Role role = Role::kCustomer;
  std::string restaurant_id;
  Millis created_at = 0;
};

struct NewUser {
  std::string email;
  std::string password;
  std::string name;
  Role role = Role::kCustomer;
  std::string restaurant_id;
};

struct Session {
  User user;
  std::string token;
};

// Pure validation of a new account's fields; errors carry the offending fields.
Status ValidateNewUser(const NewUser& u);
std::string NormaliseEmail(std::string_view email);

class IdentityService {
 public:
  // `restaurant_exists` lets identity check a staff account's restaurant without knowing catalog.
  IdentityService(storage::Database& db, const Clock& clock, const TokenSigner& signer,
                  std::function<bool(const std::string&)> restaurant_exists);

  Result<Session> Signup(NewUser u);  // role forced to customer
  Result<Session> Login(std::string_view email, std::string_view password);
  Result<User> Create(const Principal& actor, NewUser u);  // admin only
  Result<User> CreateOffline(NewUser u);                   // `hotpath admin create-user`
  Result<User> Get(const std::string& id);

  // Revoked tokens are refused from then on (null: none are; set before serving).
  void SetRevocations(Revocations* revocations) { revocations_ = revocations; }
  // Revokes the token `who` authenticated with (POST /v1/auth/logout), in every process.
  Status Logout(const Principal& who);

  // Reads `Authorization: Bearer <token>` (or `access_token` query parameter, for browser
  // WebSocket/EventSource clients that cannot set headers); refuses revoked tokens.
  [[nodiscard]] Result<Principal> Authenticate(const net::Request& request) const;
  // The caller named by a validly signed, unexpired token (no revocation check): for rate limits.
  [[nodiscard]] Result<Principal> Verified(const net::Request& request) const;

 private:
  Result<User> Insert(NewUser u);
  storage::Database& db_;
  const Clock& clock_;
  const TokenSigner& signer_;
  std::function<bool(const std::string&)> restaurant_exists_;
  Revocations* revocations_ = nullptr;
};

}  // namespace hotpath::identity
