// GoogleTest matchers for absl::Status and absl::StatusOr:
//   EXPECT_THAT(DoIt(), IsOk());
//   EXPECT_THAT(DoIt(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("x")));
//   ASSERT_OK_AND_ASSIGN(auto v, MakeIt());
#ifndef CRATE_RUNTIME_BASE_STATUS_MATCHERS_H_
#define CRATE_RUNTIME_BASE_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_macros.h"

namespace crate::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

}  // namespace crate::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::crate::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::crate::testing::IsOk())

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                      \
  CRATE_ASSERT_OK_AND_ASSIGN_IMPL_(CRATE_CONCAT_(crate_statusor_, __LINE__), \
                                   lhs, expr)
#define CRATE_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  ASSERT_TRUE(statusor.ok()) << statusor.status();            \
  lhs = std::move(statusor).value()

#endif  // CRATE_RUNTIME_BASE_STATUS_MATCHERS_H_
