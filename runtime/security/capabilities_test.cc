#include "runtime/security/capabilities.h"

#include <sys/prctl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/security/child_runner.h"

namespace crate {
namespace security {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
T Get(absl::StatusOr<T> s) {
  EXPECT_OK(s.status());
  return s.ok() ? *std::move(s) : T();
}

TEST(CapabilityNamesTest, KnownNumbersIncludingRecentOnes) {
  EXPECT_EQ(Get(CapabilityFromName("CAP_CHOWN")), 0);
  EXPECT_EQ(Get(CapabilityFromName("CAP_SYS_ADMIN")), 21);
  EXPECT_EQ(Get(CapabilityFromName("sys_admin")), 21);
  EXPECT_EQ(Get(CapabilityFromName("CAP_AUDIT_READ")), 37);
  EXPECT_EQ(Get(CapabilityFromName("CAP_PERFMON")), 38);
  EXPECT_EQ(Get(CapabilityFromName("CAP_BPF")), 39);
  EXPECT_EQ(Get(CapabilityFromName("CAP_CHECKPOINT_RESTORE")), 40);
  EXPECT_EQ(CapabilityName(40), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(CapabilityName(13), "CAP_NET_RAW");
  EXPECT_EQ(CapabilityName(55), "CAP_55");
  EXPECT_THAT(
      CapabilityFromName("CAP_FLY"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP_FLY")));
  EXPECT_EQ(KnownCapabilityNames().size(), 41u);
  EXPECT_EQ(KnownCapabilityNames().back(), "CAP_CHECKPOINT_RESTORE");
  for (int i = 0; i <= kMaxKnownCapability; ++i) {
    EXPECT_EQ(Get(CapabilityFromName(CapabilityName(i))), i);
  }
}

TEST(CapabilityNamesTest, ParseIgnoresUnknownAndUnavailable) {
  CapabilityNames names;
  names.bounding = {"CAP_CHOWN", "CAP_BPF", "CAP_FLY"};
  names.effective = {"CAP_CHOWN", "CAP_FLY"};
  ParsedCapabilities p = ParseCapabilities(names, /*last_cap=*/38);
  EXPECT_EQ(p.caps.bounding, CapBit(0));
  EXPECT_EQ(p.caps.effective, CapBit(0));
  EXPECT_THAT(p.ignored, ElementsAre("CAP_BPF", "CAP_FLY"));
  EXPECT_THAT(CapabilityNamesOf(CapBit(0) | CapBit(21)),
              ElementsAre("CAP_CHOWN", "CAP_SYS_ADMIN"));
}

TEST(ApplyCapabilitiesTest, AroundUserChangeInChild) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ASSERT_OK_AND_ASSIGN(Capabilities before, CurrentCapabilities());
  const CapMask want_bounding = CapBit(0) | CapBit(10) | CapBit(13);
  if ((before.bounding & want_bounding) != want_bounding ||
      !(before.effective & CapBit(8))) {
    GTEST_SKIP() << "needs CAP_SETPCAP, CHOWN, NET_BIND_SERVICE, NET_RAW";
  }
  ChildResult r = RunInChild([&]() -> std::string {
    Capabilities caps;
    caps.bounding = want_bounding;
    caps.permitted = CapBit(0) | CapBit(10);
    caps.effective = CapBit(0) | CapBit(10);
    caps.inheritable = CapBit(10);
    caps.ambient = CapBit(10);
    absl::Status s = ApplyCapabilitiesAroundUserChange(caps, []() {
      if (setresgid(65534, 65534, 65534) != 0 ||
          setresuid(65534, 65534, 65534) != 0) {
        return absl::InternalError("setres[ug]id 65534");
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return std::string(s.message());
    if (getuid() != 65534) return "uid did not change";
    absl::StatusOr<Capabilities> now = CurrentCapabilities();
    if (!now.ok()) return std::string(now.status().message());
    if (now->bounding != caps.bounding || now->permitted != caps.permitted ||
        now->effective != caps.effective ||
        now->inheritable != caps.inheritable || now->ambient != caps.ambient) {
      return absl::StrCat("got bnd=", now->bounding, " prm=", now->permitted,
                          " eff=", now->effective, " inh=", now->inheritable,
                          " amb=", now->ambient);
    }
    if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0) return "keepcaps left on";
    return "";
  });
  EXPECT_EQ(r.message, "");
}

TEST(ApplyCapabilitiesTest, AmbientOutsideInheritableIsNamed) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ChildResult r = RunInChild([]() -> std::string {
    Capabilities caps;
    caps.permitted = caps.effective = CapBit(0);
    caps.ambient = CapBit(0);  // Not inheritable: the kernel refuses.
    absl::Status s = ApplyCapabilities(caps);
    return s.ok() ? "applied" : std::string(s.message());
  });
  EXPECT_THAT(r.message, HasSubstr("PR_CAP_AMBIENT_RAISE CAP_CHOWN"));
}

}  // namespace
}  // namespace security
}  // namespace crate
