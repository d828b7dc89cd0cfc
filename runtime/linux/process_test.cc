#include "runtime/linux/process.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/launcher.h"

namespace crate::linux {
namespace {

template <typename T>
T ValueOr(absl::StatusOr<T> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : T{};
}

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(AppArmorExecAttrTest, PrefersTheDirectoryPerLsm) {
  std::string dir = JoinPath(::testing::TempDir(), "attr");
  ASSERT_OK(MakeDirs(JoinPath(dir, "apparmor")));
  EXPECT_EQ(AppArmorExecAttr(dir), JoinPath(dir, "exec"));
  ASSERT_OK(WriteFileAtomic(JoinPath(dir, "apparmor/exec"), ""));
  EXPECT_EQ(AppArmorExecAttr(dir), JoinPath(dir, "apparmor/exec"));
}

TEST(ResolveExecutableTest, UsesTheContainerPath) {
  ProcessPlan p;
  p.args = {"sh"};
  p.env = {"PATH=/nonexistent:/bin"};
  p.cwd = "/";
  ASSERT_OK_AND_ASSIGN(std::string path, ResolveExecutable(p));
  EXPECT_EQ(path, "/bin/sh");
  p.args = {"no-such-program-here"};
  EXPECT_THAT(ResolveExecutable(p),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("exec: \"no-such-program-here\": executable "
                                 "file not found in $PATH")));
  p.args = {"/bin/sh"};
  EXPECT_EQ(ValueOr(ResolveExecutable(p)), std::string("/bin/sh"));
  p.args = {"/etc/passwd"};
  EXPECT_THAT(ResolveExecutable(p),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("exec: \"/etc/passwd\": permission denied")));
  p.args = {"/etc"};
  EXPECT_THAT(ResolveExecutable(p),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("exec: \"/etc\": permission denied")));
  p.args = {"/no/such"};
  EXPECT_THAT(ResolveExecutable(p),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("exec: \"/no/such\": stat /no/such: no such "
                                 "file or directory")));
}

TEST(ExitCodeForExecFailureTest, ShellCodes) {
  EXPECT_EQ(ExitCodeForExecFailure(absl::NotFoundError("x")), 127);
  EXPECT_EQ(ExitCodeForExecFailure(absl::PermissionDeniedError("x")), 126);
}

TEST(RlimitTest, LowersInAChildAndExplainsRaising) {
  pid_t pid = fork();
  if (pid == 0) {
    ProcessPlan p;
    p.rlimits = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 64, 32}};
    if (!ApplyRlimits(p).ok()) _exit(1);
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur != 32 || r.rlim_max != 64) _exit(2);
    p.rlimits = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 1 << 20, 1 << 20}};
    absl::Status s = ApplyRlimits(p);
    // Root with CAP_SYS_RESOURCE may raise it; otherwise the message says why.
    if (!s.ok() &&
        s.message().find("CAP_SYS_RESOURCE") == absl::string_view::npos) {
      _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(IdMapHelperTest, OnlyTheOwnIdIsWrittenDirectly) {
  EXPECT_FALSE(NeedsIdMapHelper({{0, 1000, 1}}, 1000));
  EXPECT_TRUE(NeedsIdMapHelper({{0, 1001, 1}}, 1000));
  EXPECT_TRUE(NeedsIdMapHelper({{0, 1000, 2}}, 1000));
  EXPECT_TRUE(NeedsIdMapHelper({{0, 1000, 1}, {1, 100000, 65536}}, 1000));
}

TEST(IdMapHelperTest, ErrorNamesTheCommandAndWhy) {
  EXPECT_THAT(RunIdMapHelper("no-such-idmap-program", 1234,
                             {{0, 1000, 1}, {1, 100000, 65536}}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no-such-idmap-program 1234 0 1000 1 1 100000 "
                                 "65536: No such file or directory")));
}

}  // namespace
}  // namespace crate::linux
