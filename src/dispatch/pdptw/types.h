#pragma once
// Domain aliases and the small result type of the PDPTW library.
// Li & Lim instances use Euclidean distances at unit speed, unrounded, so time and distance share
// one floating unit; every comparison against a window goes through kTimeEps.

#include <string>
#include <utility>
#include <variant>

namespace hotpath::dispatch::pdptw {

using NodeId = int;     // 0 is the depot; a request is named by its pickup node
using Distance = double;
using Time = double;
using Load = double;

// Slack allowed when comparing a service start with a window end. Far below the referee's 1e-6.
inline constexpr double kTimeEps = 1e-7;

enum class ErrorCode { kIo, kParse, kInvalidInstance, kInfeasibleRequest, kBadArgument };

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace hotpath::dispatch::pdptw
