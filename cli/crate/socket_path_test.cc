#include "cli/crate/socket_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::cli {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ServiceTargetTest, RootUsesRunCrate) {
  SocketEnv env{.euid = 0, .xdg_runtime_dir = "/run/user/0"};
  EXPECT_EQ(*ServiceTarget(env), "unix:/run/crate/crate.sock");
}

TEST(ServiceTargetTest, RootlessUsesXdgRuntimeDir) {
  SocketEnv env{.euid = 1000, .xdg_runtime_dir = "/run/user/1000"};
  EXPECT_EQ(*ServiceTarget(env), "unix:/run/user/1000/crate/crate.sock");
}

TEST(ServiceTargetTest, RootlessWithoutXdgRuntimeDirExplains) {
  SocketEnv env{.euid = 1000};
  EXPECT_THAT(ServiceTarget(env),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("XDG_RUNTIME_DIR")));
}

TEST(ServiceTargetTest, CrateHostOverrides) {
  SocketEnv env{.euid = 1000, .crate_host = "unix:///tmp/c.sock"};
  EXPECT_EQ(*ServiceTarget(env), "unix:/tmp/c.sock");
  env.crate_host = "/tmp/d.sock";
  EXPECT_EQ(*ServiceTarget(env), "unix:/tmp/d.sock");
  env.crate_host = "tcp://1.2.3.4:5";
  EXPECT_THAT(ServiceTarget(env), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("CRATE_HOST=tcp://")));
}

}  // namespace
}  // namespace crate::cli
