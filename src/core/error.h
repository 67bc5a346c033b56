#pragma once
// Expected failures as values. Each ErrorCode maps to one HTTP status and one stable problem type
// at the edge (see net/problem.h users); inside, code branches on the code, never on the message.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotpath {

enum class ErrorCode {
  kInvalidArgument,  // 400: malformed input, field errors
  kUnauthenticated,  // 401: missing, expired or forged credentials
  kPaymentDeclined,  // 402
  kForbidden,        // 403: authenticated but not allowed
  kNotFound,         // 404
  kConflict,         // 409: state does not allow it / version race / duplicate
  kPayloadTooLarge,  // 413
  kUnsupportedMedia,  // 415: the body is not JSON
  kUnprocessable,    // 422: well-formed but semantically refused (idempotency key reuse, ...)
  kRateLimited,      // 429
  kUnavailable,      // 503: infrastructure down
  kInternal,         // 500: a bug
};

struct FieldError {
  std::string field;   // JSON pointer-ish path: "items[0].quantity"
  std::string reason;  // "must be between 1 and 100"
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldError> fields;
  // Extra members for the problem body (already-serialised JSON values), e.g. {"current_status",
  // "\"ready\""}.
  std::vector<std::pair<std::string, std::string>> extras;

  static Error Invalid(std::string message, std::vector<FieldError> fields = {}) {
    return {ErrorCode::kInvalidArgument, std::move(message), std::move(fields), {}};
  }
  static Error Unauthenticated(std::string message) {
    return {ErrorCode::kUnauthenticated, std::move(message), {}, {}};
  }
  static Error Forbidden(std::string message) { return {ErrorCode::kForbidden, std::move(message), {}, {}}; }
  static Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message), {}, {}}; }
  static Error Conflict(std::string message) { return {ErrorCode::kConflict, std::move(message), {}, {}}; }
  static Error Unprocessable(std::string message) {
    return {ErrorCode::kUnprocessable, std::move(message), {}, {}};
  }
  static Error Declined(std::string message) {
    return {ErrorCode::kPaymentDeclined, std::move(message), {}, {}};
  }
  static Error Unavailable(std::string message) {
    return {ErrorCode::kUnavailable, std::move(message), {}, {}};
  }
  static Error Internal(std::string message) { return {ErrorCode::kInternal, std::move(message), {}, {}}; }
};

int HttpStatus(ErrorCode code);
// Stable problem type slug: "validation", "not-found", ...
std::string_view ProblemSlug(ErrorCode code);
std::string_view Title(ErrorCode code);

}  // namespace hotpath
