#include "runtime/linux/namespace_files.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using oci::NamespaceType;
using ::testing::HasSubstr;

oci::Linux Joining(NamespaceType type, const std::string& path) {
  oci::Linux lx;
  lx.namespaces.push_back({NamespaceType::kPid, ""});
  lx.namespaces.push_back({type, path});
  return lx;
}

TEST(CheckNamespacePathsTest, MissingFileNamesFieldAndType) {
  EXPECT_THAT(
      CheckNamespacePaths(Joining(NamespaceType::kNetwork, "/nonexistent")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("linux.namespaces[1].path: cannot open "
                         "\"/nonexistent\": No such file or directory (want a "
                         "namespace file of type network, such as "
                         "/proc/PID/ns/net)")));
}

TEST(CheckNamespacePathsTest, OrdinaryFileIsNotANamespace) {
  EXPECT_THAT(
      CheckNamespacePaths(Joining(NamespaceType::kIpc, "/etc/passwd")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("linux.namespaces[1].path: \"/etc/passwd\" "
                         "is not a namespace file (want a namespace file of "
                         "type ipc")));
}

TEST(CheckNamespacePathsTest, NamespaceOfAnotherType) {
  EXPECT_THAT(
      CheckNamespacePaths(Joining(NamespaceType::kCgroup, "/proc/self/ns/ipc")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("\"/proc/self/ns/ipc\" is a namespace of another "
                         "type (want a namespace file of type cgroup")));
}

TEST(CheckNamespacePathsTest, ReportsTheCallersOwnNamespaces) {
  ASSERT_OK_AND_ASSIGN(std::set<NamespaceType> shared,
                       CheckNamespacePaths(Joining(NamespaceType::kNetwork,
                                                   "/proc/self/ns/net")));
  EXPECT_EQ(shared, std::set<NamespaceType>{NamespaceType::kNetwork});
}

TEST(CheckSysctlsPrivateTest, RefusesANetSysctlInTheHostsNetwork) {
  oci::Linux lx = Joining(NamespaceType::kNetwork, "/proc/1/ns/net");
  lx.sysctl["net.ipv4.ip_forward"] = "1";
  EXPECT_OK(CheckSysctlsPrivate(lx, {}));
  EXPECT_THAT(CheckSysctlsPrivate(lx, {NamespaceType::kNetwork}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.sysctl.net.ipv4.ip_forward: not "
                                 "allowed: the container joins the host's own "
                                 "network namespace")));
}

TEST(CheckSysctlsPrivateTest, RefusesWhatNoNamespaceHolds) {
  oci::Linux lx = Joining(NamespaceType::kIpc, "");
  lx.sysctl["kernel.shmmax"] = "4096";
  EXPECT_OK(CheckSysctlsPrivate(lx, {}));
  lx.sysctl["vm.overcommit_ratio"] = "51";
  EXPECT_THAT(CheckSysctlsPrivate(lx, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.sysctl.vm.overcommit_ratio")));
}

}  // namespace
}  // namespace crate::linux
