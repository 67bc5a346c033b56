#include "identity/identity_service.h"

#include <fmt/format.h>

#include <algorithm>

namespace hotpath::identity {

using storage::Connection;
using storage::Row;

std::string NormaliseEmail(std::string_view email) {
  std::string out(email);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Status ValidateNewUser(const NewUser& u) {
  std::vector<FieldError> errs;
  auto at = u.email.find('@');
  if (u.email.size() > 254 || at == std::string::npos || at == 0 ||
      u.email.find('@', at + 1) != std::string::npos || u.email.find('.', at) == std::string::npos ||
      u.email.back() == '.' ||
      std::any_of(u.email.begin(), u.email.end(), [](unsigned char c) { return c <= ' '; })) {
    errs.push_back({"email", "must be a valid email address"});
  }
  if (u.password.size() < 8 || u.password.size() > 128)
    errs.push_back({"password", "must be 8 to 128 characters"});
  if (u.name.empty() || u.name.size() > 100) errs.push_back({"name", "must be 1 to 100 characters"});
  if (u.role == Role::kRestaurant && u.restaurant_id.empty())
    errs.push_back({"restaurant_id", "is required for restaurant staff"});
  if (u.role != Role::kRestaurant && !u.restaurant_id.empty())
    errs.push_back({"restaurant_id", "is only allowed for restaurant staff"});
  if (!errs.empty()) return Error::Invalid("account fields failed validation", std::move(errs));
  return OkStatus();
}

IdentityService::IdentityService(storage::Database& db, const Clock& clock, const TokenSigner& signer,
                                 std::function<bool(const std::string&)> restaurant_exists)
    : db_(db), clock_(clock), signer_(signer), restaurant_exists_(std::move(restaurant_exists)) {}

namespace {
User UserFromRow(const Row& r) {
  return User{r.Text(0), r.Text(1), r.Text(2), ParseRole(r.Text(3)).value_or(Role::kCustomer),
              r.Text(4), r.Int(5)};
}
constexpr const char* kUserColumns = "id, email, name, role, COALESCE(restaurant_id,''), created_at";
}  // namespace

Result<User> IdentityService::Insert(NewUser u) {
  u.email = NormaliseEmail(u.email);
  HP_TRY(ValidateNewUser(u));
  if (u.role == Role::kRestaurant && restaurant_exists_ && !restaurant_exists_(u.restaurant_id)) {
    return Error::Invalid("unknown restaurant", {{"restaurant_id", "no restaurant has this id"}});
  }
  User user{NewId("usr"), u.email, u.name, u.role, u.restaurant_id, clock_.NowMillis()};
  std::string hash = HashPassword(u.password);  // slow on purpose: outside the write transaction
  auto r = db_.Write<User>([&](Connection& c) -> Result<User> {
    auto ins = c.Exec(
        "INSERT INTO users(id,email,name,role,restaurant_id,password_hash,created_at) VALUES (?,?,?,?,?,?,?)",
        {user.id, user.email, user.name, std::string(RoleName(user.role)),
         user.restaurant_id.empty() ? storage::SqlValue(nullptr) : storage::SqlValue(user.restaurant_id),
         hash, user.created_at});
    if (!ins.ok()) return std::move(ins).error();
    return user;
  });
  if (!r.ok() && r.error().code == ErrorCode::kConflict) {
    return Error{ErrorCode::kConflict,
                 "an account with this email already exists",
                 {{"email", "is already registered"}},
                 {}};
  }
  return r;
}

Result<Session> IdentityService::Signup(NewUser u) {
  u.role = Role::kCustomer;
  u.restaurant_id.clear();
  HP_ASSIGN(User user, Insert(std::move(u)));
  std::string token = signer_.Issue(Principal{user.id, user.role, user.restaurant_id}, clock_.NowMillis());
  return Session{std::move(user), std::move(token)};
}

Result<Session> IdentityService::Login(std::string_view email, std::string_view password) {
  std::string normalised = NormaliseEmail(email);
  struct Found {
    User user;
    std::string hash;
  };
  auto found = db_.Read<std::optional<Found>>([&](Connection& c) -> Result<std::optional<Found>> {
    std::optional<Found> f;
    HP_TRY(c.Query(fmt::format("SELECT {}, password_hash FROM users WHERE email = ?", kUserColumns),
                   {normalised}, [&](const Row& r) {
                     f = Found{UserFromRow(r), r.Text(6)};
                   }));
    return f;
  });
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value() || !VerifyPassword((*found)->hash, password)) {
    return Error::Unauthenticated("invalid email or password");
  }
  User user = std::move((*found)->user);
  std::string token = signer_.Issue(Principal{user.id, user.role, user.restaurant_id}, clock_.NowMillis());
  return Session{std::move(user), std::move(token)};
}

Result<User> IdentityService::Create(const Principal& actor, NewUser u) {
  HP_TRY(RequireRole(actor, {Role::kAdmin}));
  return Insert(std::move(u));
}

Result<User> IdentityService::CreateOffline(NewUser u) { return Insert(std::move(u)); }

Result<User> IdentityService::Get(const std::string& id) {
  auto r = db_.Read<std::optional<User>>([&](Connection& c) -> Result<std::optional<User>> {
    std::optional<User> u;
    HP_TRY(c.Query(fmt::format("SELECT {} FROM users WHERE id = ?", kUserColumns), {id},
                   [&](const Row& row) { u = UserFromRow(row); }));
    return u;
  });
  if (!r.ok()) return std::move(r).error();
  if (!r->has_value()) return Error::NotFound("no user with this id");
  return std::move(**r);
}

Result<Principal> IdentityService::Authenticate(const net::Request& request) const {
  HP_ASSIGN(auto who, Verified(request));
  if (revocations_) {
    HP_ASSIGN(bool revoked, revocations_->IsRevoked(who.token_id));
    if (revoked) return Error::Unauthenticated("bearer token was revoked (logged out); log in again");
  }
  return who;
}

Status IdentityService::Logout(const Principal& who) {
  if (!revocations_) return Error::Unavailable("token revocation is not configured");
  return revocations_->Revoke(who.token_id, who.expires_at);
}

Result<Principal> IdentityService::Verified(const net::Request& request) const {
  std::string token;
  if (auto h = request.Header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (h->size() <= kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), h->begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return Error::Unauthenticated("Authorization header must be 'Bearer <token>'");
    }
    token = h->substr(kBearer.size());
  } else if (auto q = request.Query("access_token")) {
    token = *q;
  } else {
    return Error::Unauthenticated("missing bearer token");
  }
  return signer_.Verify(token, clock_.NowMillis());
}

}  // namespace hotpath::identity
