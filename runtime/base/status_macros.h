// Early-return helpers for absl::Status and absl::StatusOr.
#ifndef CRATE_RUNTIME_BASE_STATUS_MACROS_H_
#define CRATE_RUNTIME_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CRATE_CONCAT_INNER_(a, b) a##b
#define CRATE_CONCAT_(a, b) CRATE_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status crate_status_ = (expr);         \
    if (!crate_status_.ok()) return crate_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares x from a StatusOr, or returns
// its error.
#define ASSIGN_OR_RETURN(lhs, expr)                                           \
  CRATE_ASSIGN_OR_RETURN_IMPL_(CRATE_CONCAT_(crate_statusor_, __LINE__), lhs, \
                               expr)

#define CRATE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)  \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // CRATE_RUNTIME_BASE_STATUS_MACROS_H_
