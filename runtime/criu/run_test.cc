#include "runtime/criu/run.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::criu {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

std::string TmpDir() {
  const char* t = getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

// /bin/sh stands in for criu: the runner only execs and waits.
TEST(RunCriu, PassesFdsAtTheirNumbersAndRunsBeforeExec) {
  std::string out = TmpDir() + "/fd7";
  int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  pid_t seen = 0;
  Invocation inv;
  inv.argv = {"/bin/sh", "-c", "echo hello >&7"};
  RunOptions o;
  o.fds = {{7, fd}};
  o.before_exec = [&](pid_t pid) {
    seen = pid;
    return absl::OkStatus();
  };
  EXPECT_THAT(RunCriu(inv, o), IsOk());
  close(fd);
  EXPECT_GT(seen, 0);
  auto text = ReadFile(out);
  ASSERT_THAT(text.status(), IsOk());
  EXPECT_EQ(*text, "hello\n");
}

TEST(RunCriu, FailureQuotesTheLogsLastError) {
  std::string log = TmpDir() + "/dump.log";
  Invocation inv;
  inv.argv = {"/bin/sh", "-c",
              "printf '(0.1) ok\\n(0.2) Error (criu/x.c:9): no vdso\\n' > " +
                  log + "; exit 1"};
  inv.log_path = log;
  EXPECT_THAT(
      RunCriu(inv),
      StatusIs(absl::StatusCode::kInternal,
               ::testing::AllOf(HasSubstr("exited with 1"),
                                HasSubstr("Error (criu/x.c:9): no vdso"),
                                HasSubstr(log))));
}

TEST(RunCriu, MissingBinaryIsNamed) {
  Invocation inv;
  inv.argv = {"/nonexistent/criu", "dump"};
  EXPECT_THAT(RunCriu(inv), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("/nonexistent/criu")));
}

TEST(RunCriu, BeforeExecErrorStopsCriu) {
  Invocation inv;
  inv.argv = {"/bin/sh", "-c", "exit 0"};
  RunOptions o;
  o.before_exec = [](pid_t) { return absl::InternalError("no cgroup"); };
  EXPECT_THAT(RunCriu(inv, o),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("no cgroup")));
}

}  // namespace
}  // namespace crate::criu
