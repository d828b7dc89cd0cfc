#include "cli/crated/service_paths.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::crated {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DefaultServicePathsTest, RootAndUsers) {
  ServicePaths p = *DefaultServicePaths({0, "/root", nullptr, nullptr});
  EXPECT_EQ(p.root, "/var/lib/crate");
  EXPECT_EQ(p.socket, "/run/crate/crate.sock");
  p = *DefaultServicePaths({1000, "/home/u", nullptr, "/run/user/1000"});
  EXPECT_EQ(p.root, "/home/u/.local/share/crate");
  EXPECT_EQ(p.run, "/run/user/1000/crate");
  p = *DefaultServicePaths({1000, "/home/u", "/data", "/run/user/1000"});
  EXPECT_EQ(p.root, "/data/crate");
  EXPECT_THAT(DefaultServicePaths({1000, "/home/u", nullptr, nullptr}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("XDG_RUNTIME_DIR")));
  EXPECT_THAT(
      DefaultServicePaths({1000, "rel", nullptr, "/run/user/1"}),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("HOME")));
}

}  // namespace
}  // namespace crate::crated
