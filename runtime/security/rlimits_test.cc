#include "runtime/security/rlimits.h"

#include <sys/resource.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/security/capabilities.h"
#include "runtime/security/child_runner.h"
#include "runtime/security/no_new_privs.h"

namespace crate {
namespace security {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RlimitNamesTest, RoundTrip) {
  for (const char* name :
       {"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
        "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"}) {
    absl::StatusOr<int> r = RlimitFromName(name);
    ASSERT_OK(r.status());
    EXPECT_EQ(RlimitName(*r), name);
  }
  EXPECT_EQ(*RlimitFromName("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_THAT(
      RlimitFromName("RLIMIT_FOO"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RLIMIT_FOO")));
}

TEST(SetRlimitTest, SoftAboveHardRefusedBeforeSyscall) {
  EXPECT_THAT(SetRlimit({RLIMIT_NOFILE, 200, 100}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("RLIMIT_NOFILE: soft 200 above hard 100")));
}

TEST(SetRlimitTest, SetInChild) {
  ChildResult r = RunInChild([]() -> std::string {
    absl::Status s =
        SetRlimits({{RLIMIT_NOFILE, 100, 200}, {RLIMIT_CORE, 0, 0}});
    if (!s.ok()) return std::string(s.message());
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != 100 || rl.rlim_max != 200) {
      return absl::StrCat("nofile is ", rl.rlim_cur, ":", rl.rlim_max);
    }
    getrlimit(RLIMIT_CORE, &rl);
    if (rl.rlim_max != 0) return "core not set";
    return "";
  });
  EXPECT_EQ(r.message, "");
}

TEST(SetRlimitTest, RaisingHardWithoutCapSysResourceIsExplained) {
  ChildResult r = RunInChild([]() -> std::string {
    absl::Status s = SetRlimit({RLIMIT_NOFILE, 100, 300});
    if (!s.ok()) return absl::StrCat("lower: ", s.message());
    // Without CAP_SYS_RESOURCE in effect, whoever we are.
    absl::StatusOr<Capabilities> caps = CurrentCapabilities();
    if (!caps.ok()) return std::string(caps.status().message());
    caps->effective &= ~CapBit(24);
    s = ApplyCapabilities(*caps);
    if (!s.ok()) return absl::StrCat("capset: ", s.message());
    s = SetRlimit({RLIMIT_NOFILE, 100, 400});
    return s.ok() ? "raised" : std::string(s.ToString());
  });
  EXPECT_THAT(r.message,
              HasSubstr("rlimit RLIMIT_NOFILE hard 400 above current 300 "
                        "needs CAP_SYS_RESOURCE"));
  EXPECT_THAT(r.message, HasSubstr("PERMISSION_DENIED"));
}

TEST(NoNewPrivsTest, SetInChild) {
  ChildResult r = RunInChild([]() -> std::string {
    absl::Status s = SetNoNewPrivs();
    if (!s.ok()) return std::string(s.message());
    absl::StatusOr<bool> on = GetNoNewPrivs();
    if (!on.ok()) return std::string(on.status().message());
    return *on ? "" : "still off";
  });
  EXPECT_EQ(r.message, "");
}

}  // namespace
}  // namespace security
}  // namespace crate
