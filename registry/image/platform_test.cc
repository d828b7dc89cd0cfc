#include "registry/image/platform.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

Platform P(std::string os, std::string arch, std::string variant = "") {
  Platform p;
  p.os = std::move(os);
  p.architecture = std::move(arch);
  p.variant = std::move(variant);
  return p;
}

TEST(PlatformTest, ParsesAndNormalises) {
  struct Case {
    std::string input, want;
  };
  for (const Case& c : std::vector<Case>{
           {"linux/amd64", "linux/amd64"},
           {"linux/x86_64", "linux/amd64"},
           {"linux/arm64", "linux/arm64/v8"},
           {"linux/arm64/v8", "linux/arm64/v8"},
           {"linux/aarch64", "linux/arm64/v8"},
           {"linux/arm", "linux/arm/v7"},
           {"linux/arm/v6", "linux/arm/v6"},
           {"linux/arm/7", "linux/arm/v7"},
           {"linux/armhf", "linux/arm/v7"},
           {"linux/armel", "linux/arm/v6"},
           {"linux/i386", "linux/386"},
           {"Linux/AMD64", "linux/amd64"},
           {"arm64", "linux/arm64/v8"},
           {"linux/ppc64le", "linux/ppc64le"},
           {"linux/amd64/v1", "linux/amd64"},
           {"linux/amd64/v3", "linux/amd64/v3"},
       }) {
    ASSERT_OK_AND_ASSIGN(Platform p, ParsePlatform(c.input));
    EXPECT_EQ(p.ToString(), c.want) << c.input;
  }
}

TEST(PlatformTest, RefusesMalformed) {
  for (std::string s :
       {"", "linux/", "/amd64", "linux/arm/v7/extra", "linux/am d64"}) {
    EXPECT_THAT(ParsePlatform(s),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("invalid platform \"" + s + "\"")));
  }
}

TEST(PlatformTest, MachineNames) {
  EXPECT_EQ(PlatformForMachine("x86_64").ToString(), "linux/amd64");
  EXPECT_EQ(PlatformForMachine("aarch64").ToString(), "linux/arm64/v8");
  EXPECT_EQ(PlatformForMachine("armv7l").ToString(), "linux/arm/v7");
  EXPECT_EQ(PlatformForMachine("armv6l").ToString(), "linux/arm/v6");
  EXPECT_EQ(PlatformForMachine("armv5tel").ToString(), "linux/arm/v5");
  EXPECT_EQ(PlatformForMachine("i686").ToString(), "linux/386");
  EXPECT_EQ(PlatformForMachine("s390x").ToString(), "linux/s390x");
  EXPECT_EQ(PlatformForMachine("riscv64").ToString(), "linux/riscv64");
  EXPECT_EQ(HostPlatform().os, "linux");
  EXPECT_FALSE(HostPlatform().architecture.empty());
}

TEST(PlatformTest, Ranks) {
  Platform amd64 = P("linux", "amd64");
  EXPECT_EQ(PlatformRank(amd64, P("linux", "amd64")), 0);
  EXPECT_EQ(PlatformRank(amd64, P("linux", "x86_64")), 0);
  EXPECT_GT(PlatformRank(amd64, P("linux", "386")), 0);
  EXPECT_EQ(PlatformRank(amd64, P("linux", "arm64")), -1);
  EXPECT_EQ(PlatformRank(amd64, P("windows", "amd64")), -1);
  EXPECT_EQ(PlatformRank(amd64, P("linux", "amd64", "v3")), -1);

  Platform arm64 = P("linux", "arm64", "v8");
  EXPECT_EQ(PlatformRank(arm64, P("linux", "arm64")), 0);
  EXPECT_EQ(PlatformRank(arm64, P("linux", "aarch64", "8")), 0);
  int v7 = PlatformRank(arm64, P("linux", "arm", "v7"));
  int v6 = PlatformRank(arm64, P("linux", "arm", "v6"));
  EXPECT_GT(v7, 0);
  EXPECT_GT(v6, v7);

  Platform armv7 = P("linux", "arm", "v7");
  EXPECT_EQ(PlatformRank(armv7, P("linux", "arm")), 0);  // v7 by default
  EXPECT_EQ(PlatformRank(armv7, P("linux", "arm", "v6")), 1);
  EXPECT_EQ(PlatformRank(armv7, P("linux", "arm", "v8")), -1);
  EXPECT_EQ(PlatformRank(armv7, P("linux", "arm64")), -1);

  Platform v3 = P("linux", "amd64", "v3");
  EXPECT_EQ(PlatformRank(v3, P("linux", "amd64", "v3")), 0);
  EXPECT_EQ(PlatformRank(v3, P("linux", "amd64", "v2")), 1);
  EXPECT_EQ(PlatformRank(v3, P("linux", "amd64")), 2);
}

}  // namespace
}  // namespace crate::registry
