#include "runtime/container/seccomp_profile.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::container {
namespace {

using ::crate::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

int Cap(const char* name) { return *oci::CapabilityFromName(name); }

// Every syscall name a profile allows (unconditionally or not).
std::vector<std::string> AllowedNames(const oci::Seccomp& s) {
  std::vector<std::string> out;
  for (const oci::SeccompSyscall& c : s.syscalls) {
    if (c.action != "SCMP_ACT_ALLOW") continue;
    out.insert(out.end(), c.names.begin(), c.names.end());
  }
  return out;
}

TEST(DefaultSeccompTest, DockersProfileInTheSpecsTerms) {
  oci::Seccomp s = DefaultSeccomp({Cap("CAP_CHOWN"), Cap("CAP_KILL")});
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.default_errno_ret, 1u);  // EPERM
#if defined(__x86_64__)
  EXPECT_THAT(s.architectures, ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                           "SCMP_ARCH_X32"));
#endif
  std::vector<std::string> allowed = AllowedNames(s);
  EXPECT_THAT(allowed, Contains("read"));
  EXPECT_THAT(allowed, Contains("execve"));
  // Guarded by capabilities the container lacks.
  EXPECT_THAT(allowed, Not(Contains("mount")));
  EXPECT_THAT(allowed, Not(Contains("chroot")));
  EXPECT_THAT(allowed, Not(Contains("reboot")));
  // clone only without namespace flags; clone3 fails with ENOSYS.
  bool clone_masked = false;
  bool clone3_enosys = false;
  for (const oci::SeccompSyscall& c : s.syscalls) {
    if (c.names == std::vector<std::string>{"clone"} && !c.args.empty()) {
      clone_masked = c.args[0].op == "SCMP_CMP_MASKED_EQ";
    }
    if (c.names == std::vector<std::string>{"clone3"}) {
      clone3_enosys = c.action == "SCMP_ACT_ERRNO" && c.errno_ret == 38u;
    }
    for (const oci::SeccompArg& a : c.args) EXPECT_FALSE(a.op.empty());
    EXPECT_FALSE(c.action.empty());
  }
  EXPECT_TRUE(clone_masked);
  EXPECT_TRUE(clone3_enosys);
}

TEST(DefaultSeccompTest, CapabilitiesOpenTheirSyscalls) {
  std::vector<std::string> allowed = AllowedNames(
      DefaultSeccomp({Cap("CAP_SYS_ADMIN"), Cap("CAP_SYS_CHROOT")}));
  EXPECT_THAT(allowed, Contains("mount"));
  EXPECT_THAT(allowed, Contains("chroot"));
  EXPECT_THAT(allowed, Contains("clone3"));
}

// docker's format: archMap, name, includes/excludes.
constexpr char kDockerProfile[] = R"json({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64",
     "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64",
     "subArchitectures": ["SCMP_ARCH_ARM"]}
  ],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW",
     "comment": "always"},
    {"name": "getpid", "action": "SCMP_ACT_ALLOW"},
    {"names": ["mount"], "action": "SCMP_ACT_ALLOW",
     "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0,
               "op": "SCMP_CMP_MASKED_EQ"}],
     "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW",
     "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW",
     "includes": {"minKernel": "4.8"}},
    {"names": ["new_call"], "action": "SCMP_ACT_ALLOW",
     "includes": {"minKernel": "99.1"}},
    {"names": ["old_call"], "action": "SCMP_ACT_ALLOW",
     "excludes": {"minKernel": "5.0"}}
  ]
})json";

TEST(ParseSeccompProfileTest, DockersFormat) {
  ASSERT_OK_AND_ASSIGN(
      oci::Seccomp s,
      ParseSeccompProfile(kDockerProfile, {Cap("CAP_KILL")}, "6.1.0-18-amd64"));
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.default_errno_ret, 1u);
  std::vector<std::string> allowed = AllowedNames(s);
  EXPECT_THAT(allowed, Contains("read"));
  EXPECT_THAT(allowed, Contains("getpid"));
  EXPECT_THAT(allowed, Not(Contains("mount")));
  EXPECT_THAT(allowed, Contains("clone"));
  EXPECT_THAT(allowed, Contains("ptrace"));
  EXPECT_THAT(allowed, Not(Contains("new_call")));
  EXPECT_THAT(allowed, Not(Contains("old_call")));
#if defined(__x86_64__)
  EXPECT_THAT(s.architectures, ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                           "SCMP_ARCH_X32"));
  EXPECT_THAT(allowed, Contains("arch_prctl"));
#elif defined(__aarch64__)
  EXPECT_THAT(s.architectures,
              ElementsAre("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
  EXPECT_THAT(allowed, Not(Contains("arch_prctl")));
#endif
}

TEST(ParseSeccompProfileTest, CapabilitiesAndOldKernels) {
  ASSERT_OK_AND_ASSIGN(
      oci::Seccomp s,
      ParseSeccompProfile(kDockerProfile, {Cap("CAP_SYS_ADMIN")}, "4.4.0"));
  std::vector<std::string> allowed = AllowedNames(s);
  EXPECT_THAT(allowed, Contains("mount"));
  EXPECT_THAT(allowed, Not(Contains("clone")));
  EXPECT_THAT(allowed, Not(Contains("ptrace")));
  EXPECT_THAT(allowed, Contains("old_call"));
}

TEST(ParseSeccompProfileTest, TheSpecsOwnFormatToo) {
  ASSERT_OK_AND_ASSIGN(oci::Seccomp s,
                       ParseSeccompProfile(
                           R"({"defaultAction": "SCMP_ACT_ALLOW",
              "architectures": ["SCMP_ARCH_X86_64"],
              "flags": ["SECCOMP_FILTER_FLAG_LOG"],
              "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO",
                            "errnoRet": 1}]})",
                           {}, ""));
  EXPECT_EQ(s.default_action, "SCMP_ACT_ALLOW");
  EXPECT_THAT(s.architectures, ElementsAre("SCMP_ARCH_X86_64"));
  EXPECT_THAT(s.flags, ElementsAre("SECCOMP_FILTER_FLAG_LOG"));
  ASSERT_EQ(s.syscalls.size(), 1u);
  EXPECT_EQ(s.syscalls[0].errno_ret, 1u);
}

struct BadProfile {
  const char* name;
  const char* json;
  const char* message;
};

class BadProfileTest : public ::testing::TestWithParam<BadProfile> {};

TEST_P(BadProfileTest, NamesTheField) {
  EXPECT_THAT(ParseSeccompProfile(GetParam().json, {Cap("CAP_KILL")}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadProfileTest,
    ::testing::Values(
        BadProfile{"NotJson", "{",
                   "--security-opt seccomp: the profile is "
                   "not valid JSON"},
        BadProfile{"NotObject", "[]", "not a JSON object"},
        BadProfile{"NoDefault", R"({"syscalls": []})",
                   "--security-opt seccomp: defaultAction: required"},
        // The index is the profile's own, though the rule would not apply.
        BadProfile{"BadActionInSkippedRule",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                       {"names": ["a"], "action": "SCMP_ACT_ALLOW"},
                       {"names": ["b"], "action": "SCMP_ACT_NOPE",
                        "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})",
                   "syscalls[1].action: unknown action \"SCMP_ACT_NOPE\""},
        BadProfile{"BothArchitecturesAndArchMap",
                   R"({"defaultAction": "SCMP_ACT_ERRNO",
                       "architectures": ["SCMP_ARCH_X86"],
                       "archMap": []})",
                   "both \"architectures\" and \"archMap\""},
        BadProfile{"NameAndNames",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                       {"name": "a", "names": ["b"],
                        "action": "SCMP_ACT_ALLOW"}]})",
                   "syscalls[0]: both \"name\" and \"names\""},
        BadProfile{"MinKernelWithoutRelease",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                       {"names": ["a"], "action": "SCMP_ACT_ALLOW",
                        "includes": {"minKernel": "4.8"}}]})",
                   "syscalls[0].includes.minKernel: needs the kernel's "
                   "version"},
        BadProfile{"BadMinKernel",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                       {"names": ["a"], "action": "SCMP_ACT_ALLOW",
                        "excludes": {"minKernel": "four"}}]})",
                   "syscalls[0].excludes.minKernel: not a version"},
        BadProfile{"CapsNotStrings",
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                       {"names": ["a"], "action": "SCMP_ACT_ALLOW",
                        "includes": {"caps": [1]}}]})",
                   "syscalls[0].includes.caps: not an array of strings"}),
    [](const ::testing::TestParamInfo<BadProfile>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace crate::container
