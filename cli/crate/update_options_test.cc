#include "cli/crate/update_options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::cli {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(UpdateOptionsTest, OnlyTheFlagsGivenAreSet) {
  UpdateFlags f;
  f.memory = "64m";
  ASSERT_OK_AND_ASSIGN(crate::v1::UpdateContainerRequest r, ToUpdateRequest(f));
  EXPECT_TRUE(r.has_memory_bytes());
  EXPECT_EQ(r.memory_bytes(), 64 << 20);
  EXPECT_FALSE(r.has_memory_swap_bytes());
  EXPECT_FALSE(r.has_cpus());
  EXPECT_FALSE(r.has_pids_limit());
}

TEST(UpdateOptionsTest, EveryFlag) {
  UpdateFlags f{"32m", "-1", "1.5", "512", "-1"};
  ASSERT_OK_AND_ASSIGN(crate::v1::UpdateContainerRequest r, ToUpdateRequest(f));
  EXPECT_EQ(r.memory_swap_bytes(), -1);
  EXPECT_DOUBLE_EQ(r.cpus(), 1.5);
  EXPECT_EQ(r.cpu_shares(), 512);
  EXPECT_EQ(r.pids_limit(), -1);
}

TEST(UpdateOptionsTest, BadValuesNameTheFlag) {
  UpdateFlags f;
  f.memory = "lots";
  EXPECT_THAT(ToUpdateRequest(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("--memory \"lots\"")));
  f = UpdateFlags{};
  f.pids_limit = "12x";
  EXPECT_THAT(ToUpdateRequest(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("--pids-limit")));
  f = UpdateFlags{};
  f.cpus = "two";
  EXPECT_THAT(ToUpdateRequest(f), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("--cpus")));
  EXPECT_THAT(ToUpdateRequest(UpdateFlags{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("one or more flags")));
}

}  // namespace
}  // namespace crate::cli
