#include "runtime/security/seccomp.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/security/child_runner.h"
#include "runtime/security/defaults.h"
#include "runtime/security/no_new_privs.h"

namespace crate {
namespace security {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

SeccompSyscall Rule(std::vector<std::string> names, SeccompAction action,
                    absl::optional<uint32_t> errno_ret = absl::nullopt,
                    std::vector<SeccompArg> args = {}) {
  SeccompSyscall s;
  s.names = std::move(names);
  s.action = action;
  s.errno_ret = errno_ret;
  s.args = std::move(args);
  return s;
}

// Loads the program in a child (after no_new_privs) and runs `check`.
ChildResult LoadAndRun(const SeccompProgram& program,
                       const std::function<std::string()>& check) {
  return RunInChild([&]() -> std::string {
    absl::Status s = SetNoNewPrivs();
    if (s.ok()) s = LoadSeccomp(program);
    if (!s.ok()) return absl::StrCat("load: ", s.ToString());
    return check();
  });
}

std::string Expect(long rc, int want_errno, const char* what) {
  if (want_errno == 0) {
    return rc >= 0 ? "" : absl::StrCat(what, ": failed with errno ", errno);
  }
  if (rc != -1 || errno != want_errno) {
    return absl::StrCat(what, ": rc ", rc, " errno ", errno, ", want errno ",
                        want_errno);
  }
  return "";
}

TEST(SeccompNamesTest, Parse) {
  EXPECT_EQ(*SeccompActionFromName("SCMP_ACT_ERRNO"), SeccompAction::kErrno);
  EXPECT_EQ(*SeccompActionFromName("SCMP_ACT_KILL_PROCESS"),
            SeccompAction::kKillProcess);
  EXPECT_THAT(
      SeccompActionFromName("SCMP_ACT_NOPE"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SCMP_ACT_NOPE")));
  EXPECT_EQ(*SeccompOpFromName("SCMP_CMP_MASKED_EQ"), SeccompOp::kMaskedEqual);
  EXPECT_THAT(
      SeccompOpFromName("SCMP_CMP_XX"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SCMP_CMP_XX")));
  EXPECT_OK(SeccompArchFromName("SCMP_ARCH_X86_64").status());
  EXPECT_OK(SeccompArchFromName("SCMP_ARCH_AARCH64").status());
  EXPECT_OK(SeccompArchFromName("SCMP_ARCH_X32").status());
  EXPECT_THAT(
      SeccompArchFromName("SCMP_ARCH_VAX"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SCMP_ARCH_VAX")));
  EXPECT_EQ(*SeccompFlagFromName("SECCOMP_FILTER_FLAG_LOG"), 2u);
  EXPECT_THAT(SeccompFlagFromName("SECCOMP_FILTER_FLAG_X"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("_X")));
}

TEST(SeccompFeaturesTest, ListsWhatIsSupported) {
  SeccompFeatures f = GetSeccompFeatures();
  EXPECT_THAT(f.actions, Contains("SCMP_ACT_ERRNO"));
  EXPECT_THAT(f.actions, Contains("SCMP_ACT_KILL_PROCESS"));
  EXPECT_THAT(f.actions, ::testing::Not(Contains("SCMP_ACT_NOTIFY")));
  EXPECT_THAT(f.operators, Contains("SCMP_CMP_MASKED_EQ"));
  EXPECT_THAT(f.archs, Contains("SCMP_ARCH_X86_64"));
  EXPECT_THAT(f.archs, Contains("SCMP_ARCH_AARCH64"));
  EXPECT_THAT(f.known_flags, Contains("SECCOMP_FILTER_FLAG_LOG"));
  // Linux 4.14+.
  EXPECT_THAT(f.supported_flags, Contains("SECCOMP_FILTER_FLAG_LOG"));
  EXPECT_THAT(f.supported_flags, Contains("SECCOMP_FILTER_FLAG_TSYNC"));
}

TEST(SeccompProgramTest, EncodeDecodeAndLoad) {
  SeccompConfig c;
  c.flags = {"SECCOMP_FILTER_FLAG_LOG"};
  c.syscalls = {Rule({"getppid"}, SeccompAction::kErrno, 55)};
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  std::string bytes = EncodeSeccompProgram(p);
  ASSERT_OK_AND_ASSIGN(SeccompProgram back, DecodeSeccompProgram(bytes));
  EXPECT_EQ(back.flags, p.flags);
  ASSERT_EQ(back.filter.size(), p.filter.size());
  EXPECT_EQ(memcmp(back.filter.data(), p.filter.data(),
                   p.filter.size() * sizeof(p.filter[0])),
            0);
  EXPECT_THAT(DecodeSeccompProgram(bytes.substr(0, bytes.size() - 1)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("bytes for")));
  EXPECT_THAT(DecodeSeccompProgram("nonsense"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("header")));
  ChildResult r = LoadAndRun(
      back, []() { return Expect(syscall(SYS_getppid), 55, "getppid"); });
  EXPECT_EQ(r.message, "");
}

TEST(SeccompCompileTest, ErrorsNameSyscallAndField) {
  SeccompConfig c;
  c.syscalls.push_back(Rule({"getppid"}, SeccompAction::kAllow, 5));
  EXPECT_THAT(CompileSeccomp(c),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("syscalls[0] (getppid)"),
                             HasSubstr("errnoRet"))));
  c.syscalls = {Rule({"read", "write"}, SeccompAction::kErrno, absl::nullopt,
                     {{6, 0, 0, SeccompOp::kEqualTo}})};
  EXPECT_THAT(CompileSeccomp(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                          AllOf(HasSubstr("(read,write)"),
                                                HasSubstr("args[0].index 6"))));
  c.syscalls = {Rule({"read"}, SeccompAction::kNotify)};
  EXPECT_THAT(CompileSeccomp(c), StatusIs(absl::StatusCode::kUnimplemented,
                                          HasSubstr("SCMP_ACT_NOTIFY")));
  c.syscalls.clear();
  c.architectures = {"SCMP_ARCH_VAX"};
  EXPECT_THAT(CompileSeccomp(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("SCMP_ARCH_VAX")));
}

TEST(SeccompCompileTest, UnknownSyscallsAreSkippedAndListed) {
  SeccompConfig c;
  c.syscalls.push_back(
      Rule({"getppid", "no_such_syscall"}, SeccompAction::kErrno, 1));
  c.syscalls.push_back(Rule({"read"}, SeccompAction::kAllow));  // = default
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  EXPECT_THAT(p.unknown_syscalls, ElementsAre("no_such_syscall"));
  EXPECT_GT(p.filter.size(), 0u);
}

TEST(SeccompLoadTest, ErrnoRetAndArgumentFilters) {
  SeccompConfig c;
  c.default_action = SeccompAction::kAllow;
  c.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  c.flags = {"SECCOMP_FILTER_FLAG_LOG"};
  c.syscalls = {
      Rule({"getppid"}, SeccompAction::kErrno, 123),
      // All args of one rule must match...
      Rule({"getpriority"}, SeccompAction::kErrno, EACCES,
           {{0, PRIO_USER, 0, SeccompOp::kEqualTo},
            {1, 4242, 0, SeccompOp::kEqualTo}}),
      // ...unless an index repeats: then any of them is enough.
      Rule({"getpgid"}, SeccompAction::kErrno, 99,
           {{0, 11, 0, SeccompOp::kEqualTo}, {0, 12, 0, SeccompOp::kEqualTo}}),
      Rule({"dup"}, SeccompAction::kErrno, 77,
           {{0, 0xF0, 0x10, SeccompOp::kMaskedEqual}}),
  };
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  EXPECT_EQ(p.flags, 2u);
  ChildResult r = LoadAndRun(p, []() -> std::string {
    std::string out;
    out += Expect(syscall(SYS_getppid), 123, "getppid");
    out += Expect(syscall(SYS_getpriority, PRIO_USER, 4242), EACCES,
                  "getpriority(USER, 4242)");
    out += Expect(syscall(SYS_getpriority, PRIO_USER, 0), 0,
                  "getpriority(USER, 0)");
    out += Expect(syscall(SYS_getpriority, PRIO_PROCESS, 4242), ESRCH,
                  "getpriority(PROCESS, 4242)");
    out += Expect(syscall(SYS_getpgid, 11), 99, "getpgid(11)");
    out += Expect(syscall(SYS_getpgid, 12), 99, "getpgid(12)");
    out += Expect(syscall(SYS_getpgid, 0), 0, "getpgid(0)");
    out += Expect(syscall(SYS_dup, 0x17), 77, "dup(0x17)");
    out += Expect(syscall(SYS_dup, 0x27), EBADF, "dup(0x27)");
    return out;
  });
  EXPECT_EQ(r.message, "");
}

TEST(SeccompLoadTest, KillProcessAction) {
  SeccompConfig c;
  c.syscalls = {Rule({"getppid"}, SeccompAction::kKillProcess)};
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  ChildResult r = LoadAndRun(p, []() -> std::string {
    syscall(SYS_getppid);
    return "survived";
  });
  EXPECT_TRUE(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGSYS)
      << r.message;
}

TEST(SeccompLoadTest, LoadingWithoutNoNewPrivsNeedsSysAdmin) {
  SeccompConfig c;
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  ChildResult r = RunInChild([&]() -> std::string {
    absl::Status s = LoadSeccomp(p);  // Root here: allowed.
    return s.ok() ? "" : s.ToString();
  });
  EXPECT_EQ(r.message, "");
}

TEST(DefaultProfileTest, DockerDefaults) {
  std::vector<std::string> caps = DefaultCapabilities();
  EXPECT_EQ(caps.size(), 14u);
  EXPECT_THAT(caps, Contains("CAP_AUDIT_WRITE"));
  EXPECT_THAT(caps, ::testing::Not(Contains("CAP_SYS_ADMIN")));

  SeccompConfig c = DefaultSeccompProfile(caps);
  EXPECT_EQ(c.default_action, SeccompAction::kErrno);
  absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  EXPECT_LT(p.filter.size(), 4096u);
  std::cerr << "default profile: " << p.filter.size() << " instructions, "
            << p.unknown_syscalls.size()
            << " unknown syscall names, compiled in "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  ChildResult r = LoadAndRun(p, []() -> std::string {
    std::string out;
    out += Expect(syscall(SYS_getpid), 0, "getpid");
    out += Expect(mount("none", "/tmp", "tmpfs", 0, nullptr), EPERM, "mount");
    out += Expect(unshare(CLONE_NEWNS), EPERM, "unshare");
    out += Expect(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
                  EPERM, "clone(CLONE_NEWUSER)");
    out += Expect(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM, "keyctl");
    out += Expect(syscall(SYS_personality, 0xffffffff), 0, "personality");
    out += Expect(syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */),
                  EPERM, "personality(ADDR_NO_RANDOMIZE)");
    // fork uses clone, threads use clone3 with a fallback to clone.
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || WEXITSTATUS(st) != 7) {
      out += "fork failed;";
    }
    bool ran = false;
    std::thread([&] { ran = true; }).join();
    if (!ran) out += "thread did not run;";
    return out;
  });
  EXPECT_EQ(r.message, "");
}

TEST(DefaultProfileTest, NativeOnly) {
  SeccompConfig c = DefaultSeccompProfile(DefaultCapabilities(),
                                          /*compat_arches=*/false);
  EXPECT_EQ(c.architectures.size(), 1u);
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  ChildResult r = LoadAndRun(p, []() -> std::string {
    return Expect(syscall(SYS_getpid), 0, "getpid") +
           Expect(mount("none", "/tmp", "tmpfs", 0, nullptr), EPERM, "mount");
  });
  EXPECT_EQ(r.message, "");
}

TEST(DefaultProfileTest, SysAdminUnlocksMount) {
  std::vector<std::string> caps = DefaultCapabilities();
  caps.push_back("CAP_SYS_ADMIN");
  SeccompConfig c = DefaultSeccompProfile(caps);
  c.binary_tree = true;
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccomp(c));
  ChildResult r = LoadAndRun(p, []() -> std::string {
    // The kernel's own errors, not EPERM from the filter.
    return Expect(umount2("/nonexistent-crate-test", 0), ENOENT, "umount2") +
           Expect(syscall(SYS_clone3, nullptr, 0), EINVAL, "clone3");
  });
  EXPECT_EQ(r.message, "");
}

}  // namespace
}  // namespace security
}  // namespace crate
