#pragma once
// Result<T>: a value or an Error. [[nodiscard]] so a failure can't be dropped silently.

#include <cassert>
#include <utility>
#include <variant>

#include "core/error.h"

namespace hotpath {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace hotpath

// Propagates an error from an expression returning Result/Status.
#define HP_TRY(...)                                   \
  do {                                                \
    auto _hp_r = (__VA_ARGS__);                       \
    if (!_hp_r.ok()) return std::move(_hp_r).error(); \
  } while (0)

#define HP_CONCAT_INNER(a, b) a##b
#define HP_CONCAT(a, b) HP_CONCAT_INNER(a, b)
// HP_ASSIGN(auto x, expr): binds the value or returns the error.
#define HP_ASSIGN(decl, ...) HP_ASSIGN_IMPL(HP_CONCAT(_hp_a_, __LINE__), decl, (__VA_ARGS__))
#define HP_ASSIGN_IMPL(tmp, decl, expr)         \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return std::move(tmp).error(); \
  decl = std::move(tmp).value()
