#include "api/engine/resource_update.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kMiB = 1 << 20;

oci::Resources Limited() {
  oci::Resources r;
  oci::MemoryResources m;
  m.limit = 32 * kMiB;
  m.swap = 64 * kMiB;
  r.memory = m;
  r.pids = oci::PidsResources{50};
  return r;
}

TEST(ResourceUpdateTest, RaisesMemoryWithinTheSwapLimit) {
  ResourceUpdate u;
  u.memory = 48 * kMiB;
  ASSERT_OK_AND_ASSIGN(ResourceChange c, PlanResourceUpdate(Limited(), u, 2));
  ASSERT_TRUE(c.apply.memory);
  EXPECT_EQ(c.apply.memory->limit, 48 * kMiB);
  EXPECT_FALSE(c.apply.memory->swap);
  EXPECT_EQ(c.undo.memory->limit, 32 * kMiB);
  EXPECT_EQ(c.saved.memory->limit, 48 * kMiB);
  EXPECT_EQ(c.saved.memory->swap, 64 * kMiB);
  EXPECT_FALSE(c.apply.pids);
  EXPECT_EQ(c.saved.pids->limit, 50);
}

TEST(ResourceUpdateTest, MemoryAboveTheSwapLimitNeedsSwapToo) {
  ResourceUpdate u;
  u.memory = 128 * kMiB;
  EXPECT_THAT(PlanResourceUpdate(Limited(), u, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("update --memory-swap at the same time")));
  u.memory_swap = 256 * kMiB;
  ASSERT_OK_AND_ASSIGN(ResourceChange c, PlanResourceUpdate(Limited(), u, 2));
  EXPECT_EQ(c.apply.memory->swap, 256 * kMiB);
  EXPECT_EQ(c.undo.memory->swap, 64 * kMiB);
}

TEST(ResourceUpdateTest, FirstMemoryLimitOnAnUnlimitedContainer) {
  ResourceUpdate u;
  u.memory = 16 * kMiB;
  ASSERT_OK_AND_ASSIGN(ResourceChange c, PlanResourceUpdate({}, u, 2));
  EXPECT_EQ(c.apply.memory->limit, 16 * kMiB);
  EXPECT_EQ(c.undo.memory->limit, -1);  // unlimited again
}

TEST(ResourceUpdateTest, RefusesBadMemory) {
  ResourceUpdate u;
  u.memory = -5;
  EXPECT_THAT(PlanResourceUpdate(Limited(), u, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--memory: must not be negative")));
  u.memory = 1024;
  EXPECT_THAT(PlanResourceUpdate(Limited(), u, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("6MB")));
  u.memory = 32 * kMiB;
  u.memory_swap = 16 * kMiB;
  EXPECT_THAT(PlanResourceUpdate(Limited(), u, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("below the memory limit")));
  ResourceUpdate swap_only;
  swap_only.memory_swap = 64 * kMiB;
  EXPECT_THAT(PlanResourceUpdate({}, swap_only, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("set --memory as well")));
  swap_only.memory_swap = -7;
  EXPECT_THAT(
      PlanResourceUpdate(Limited(), swap_only, 2),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--memory-swap")));
}

TEST(ResourceUpdateTest, Cpus) {
  ResourceUpdate u;
  u.cpus = 1.5;
  ASSERT_OK_AND_ASSIGN(ResourceChange c, PlanResourceUpdate({}, u, 2));
  EXPECT_EQ(c.apply.cpu->quota, 150000);
  EXPECT_EQ(c.apply.cpu->period, 100000u);
  EXPECT_EQ(c.undo.cpu->quota, -1);
  EXPECT_EQ(c.saved.cpu->quota, 150000);
  u.cpus = 0;
  ASSERT_OK_AND_ASSIGN(ResourceChange none, PlanResourceUpdate(c.saved, u, 2));
  EXPECT_EQ(none.apply.cpu->quota, -1);
  EXPECT_FALSE(none.saved.cpu->quota);
  u.cpus = 3;
  EXPECT_THAT(PlanResourceUpdate({}, u, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("only 2 CPUs available")));
  u.cpus = 0.001;
  EXPECT_THAT(
      PlanResourceUpdate({}, u, 2),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least 0.01")));
  u.cpus = -1;
  EXPECT_THAT(
      PlanResourceUpdate({}, u, 2),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--cpus")));
}

TEST(ResourceUpdateTest, CpuShares) {
  ResourceUpdate u;
  u.cpu_shares = 512;
  ASSERT_OK_AND_ASSIGN(ResourceChange c, PlanResourceUpdate({}, u, 2));
  EXPECT_EQ(c.apply.cpu->shares, 512u);
  EXPECT_EQ(c.undo.cpu->shares, 1024u);
  u.cpu_shares = 1;
  EXPECT_THAT(
      PlanResourceUpdate({}, u, 2),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--cpu-shares")));
}

TEST(ResourceUpdateTest, PidsLimit) {
  ResourceUpdate u;
  u.pids_limit = 100;
  ASSERT_OK_AND_ASSIGN(ResourceChange c, PlanResourceUpdate(Limited(), u, 2));
  EXPECT_EQ(c.apply.pids->limit, 100);
  EXPECT_EQ(c.undo.pids->limit, 50);
  EXPECT_EQ(c.saved.pids->limit, 100);
  u.pids_limit = 0;
  ASSERT_OK_AND_ASSIGN(ResourceChange none,
                       PlanResourceUpdate(Limited(), u, 2));
  EXPECT_EQ(none.apply.pids->limit, -1);
  EXPECT_FALSE(none.saved.pids);
  u.pids_limit = -2;
  EXPECT_THAT(
      PlanResourceUpdate(Limited(), u, 2),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--pids-limit")));
  u.pids_limit = int64_t{1} << 40;
  EXPECT_THAT(PlanResourceUpdate(Limited(), u, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("kernel's maximum")));
}

TEST(ResourceUpdateTest, NothingToUpdate) {
  EXPECT_THAT(PlanResourceUpdate(Limited(), {}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nothing to update")));
}

}  // namespace
}  // namespace crate::engine
