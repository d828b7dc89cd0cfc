#include "runtime/container/capability_set.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/oci/spec.h"

namespace crate::container {
namespace {

using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Names(const std::vector<int>& caps) {
  std::vector<std::string> out;
  for (int c : caps) out.emplace_back(oci::CapabilityName(c));
  return out;
}

absl::StatusOr<std::vector<std::string>> Caps(
    const std::vector<std::string>& add, const std::vector<std::string>& drop,
    bool privileged = false, const std::vector<std::string>& all = {}) {
  absl::StatusOr<std::vector<int>> caps =
      ContainerCapabilities(add, drop, privileged, all);
  if (!caps.ok()) return caps.status();
  return Names(*caps);
}

const std::vector<std::string> kDockerDefault = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

TEST(ContainerCapabilitiesTest, DockersDefaultSet) {
  ASSERT_OK_AND_ASSIGN(auto caps, Caps({}, {}));
  EXPECT_EQ(caps, kDockerDefault);
}

TEST(ContainerCapabilitiesTest, AddAndDropInAnySpelling) {
  ASSERT_OK_AND_ASSIGN(auto caps,
                       Caps({"net_admin", "CAP_SYS_TIME", "kill"},
                            {"MKNOD", "cap_net_raw", "Audit_Write"}));
  EXPECT_THAT(
      caps, ElementsAre("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
                        "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
                        "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
                        "CAP_KILL", "CAP_NET_ADMIN", "CAP_SYS_TIME"));
}

TEST(ContainerCapabilitiesTest, DropAllKeepsOnlyTheAdded) {
  ASSERT_OK_AND_ASSIGN(auto caps, Caps({"chown", "setuid"}, {"ALL"}));
  EXPECT_THAT(caps, ElementsAre("CAP_CHOWN", "CAP_SETUID"));
  ASSERT_OK_AND_ASSIGN(caps, Caps({}, {"all"}));
  EXPECT_THAT(caps, IsEmpty());
}

TEST(ContainerCapabilitiesTest, AddAllLessTheDropped) {
  ASSERT_OK_AND_ASSIGN(auto caps, Caps({"ALL"}, {"sys_admin", "CAP_BPF"}));
  EXPECT_EQ(caps.size(), static_cast<size_t>(oci::LastCapability() + 1 - 2));
  EXPECT_THAT(caps, ::testing::Not(::testing::Contains("CAP_SYS_ADMIN")));
  EXPECT_THAT(caps, ::testing::Contains("CAP_SYS_MODULE"));
  // "Everything" is the host's set when the caller gives it.
  ASSERT_OK_AND_ASSIGN(
      caps, Caps({"ALL"}, {"KILL"}, false,
                 {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN", "CAP_FUTURE"}));
  EXPECT_THAT(caps, ElementsAre("CAP_CHOWN", "CAP_SYS_ADMIN"));
}

TEST(ContainerCapabilitiesTest, PrivilegedGetsEverything) {
  ASSERT_OK_AND_ASSIGN(auto caps, Caps({}, {"ALL"}, true));
  EXPECT_EQ(caps.size(), static_cast<size_t>(oci::LastCapability() + 1));
  ASSERT_OK_AND_ASSIGN(caps,
                       Caps({}, {}, true, {"CAP_CHOWN", "CAP_SYS_ADMIN"}));
  EXPECT_THAT(caps, ElementsAre("CAP_CHOWN", "CAP_SYS_ADMIN"));
}

TEST(ContainerCapabilitiesTest, UnknownNamesAreRefused) {
  EXPECT_THAT(Caps({"SYS_FOO"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--cap-add: unknown capability \"SYS_FOO\""));
  EXPECT_THAT(Caps({}, {"CAP_NOPE"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--cap-drop: unknown capability \"CAP_NOPE\""));
}

TEST(ContainerCapabilitiesTest, NoRepeats) {
  ASSERT_OK_AND_ASSIGN(auto caps, Caps({"KILL", "kill", "CAP_KILL"}, {"ALL"}));
  EXPECT_THAT(caps, ElementsAre("CAP_KILL"));
}

}  // namespace
}  // namespace crate::container
