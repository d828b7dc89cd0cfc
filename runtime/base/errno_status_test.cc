#include "runtime/base/errno_status.h"

#include <errno.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_macros.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ErrnoStatusTest, NamesOperationPathAndReason) {
  absl::Status s = ErrnoToStatus(ENOENT, "open", "/nope");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound,
                          "open /nope: No such file or directory"));
}

TEST(ErrnoStatusTest, MapsPermissionErrors) {
  EXPECT_EQ(ErrnoToCode(EPERM), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToCode(EACCES), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToCode(EEXIST), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoToCode(EIO), absl::StatusCode::kInternal);
}

TEST(ErrnoStatusTest, AnnotateKeepsCodeAndPrefixes) {
  absl::Status s = Annotate(absl::NotFoundError("gone"), "container abc");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, "container abc: gone"));
  EXPECT_THAT(Annotate(absl::OkStatus(), "x"), IsOk());
}

absl::StatusOr<int> Half(int v) {
  if (v % 2) return absl::InvalidArgumentError("odd");
  return v / 2;
}

absl::StatusOr<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int h, Half(v));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int v) {
  RETURN_IF_ERROR(Half(v).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  EXPECT_THAT(Quarter(8), IsOk());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
  EXPECT_THAT(CheckEven(3),
              StatusIs(absl::StatusCode::kInvalidArgument, "odd"));
  EXPECT_OK(CheckEven(4));
}

}  // namespace
}  // namespace crate
