#include "cli/crate/exit_codes.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

using grpc::StatusCode;

TEST(ExitCodeForRunErrorTest, NotFoundIs127) {
  EXPECT_EQ(ExitCodeForRunError(
                StatusCode::UNKNOWN,
                "exec: \"nosuch\": executable file not found in $PATH"),
            127);
  EXPECT_EQ(ExitCodeForRunError(StatusCode::NOT_FOUND,
                                "exec /bin/nosuch: No such file or directory"),
            127);
}

TEST(ExitCodeForRunErrorTest, CannotExecuteIs126) {
  EXPECT_EQ(ExitCodeForRunError(StatusCode::PERMISSION_DENIED,
                                "exec /etc/passwd: permission denied"),
            126);
  EXPECT_EQ(ExitCodeForRunError(StatusCode::FAILED_PRECONDITION,
                                "exec /etc: is a directory"),
            126);
}

TEST(ExitCodeForRunErrorTest, EverythingElseIs125) {
  EXPECT_EQ(ExitCodeForRunError(StatusCode::INTERNAL, "cgroup: boom"), 125);
  // Refusals of the request itself, whatever their words.
  EXPECT_EQ(ExitCodeForRunError(StatusCode::ALREADY_EXISTS,
                                "name web: no such file or directory"),
            125);
  EXPECT_EQ(ExitCodeForRunError(StatusCode::INVALID_ARGUMENT,
                                "mounts: /x: permission denied"),
            125);
  EXPECT_EQ(ExitCodeForRunError(StatusCode::UNAVAILABLE,
                                "connect: no such file or directory"),
            125);
  EXPECT_EQ(ExitCodeForRunError(StatusCode::OK, ""), 0);
}

}  // namespace
}  // namespace crate::cli
