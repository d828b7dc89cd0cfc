#include "api/engine/container_stats.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;

TEST(ContainerStatsTest, SystemCpuFromProcStat) {
  constexpr char kStat[] =
      "cpu  100 2 30 400 5 6 7 8 9 10\n"
      "cpu0 50 1 15 200 2 3 3 4 0 0\n"
      "intr 12345\n";
  ASSERT_OK_AND_ASSIGN(uint64_t ns, SystemCpuNanos(kStat, 100));
  // user..steal = 558 ticks of 10 ms; guest columns not counted twice.
  EXPECT_EQ(ns, uint64_t{558} * 10000000);
  EXPECT_THAT(SystemCpuNanos("intr 1\n", 100),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  EXPECT_THAT(SystemCpuNanos("cpu 1 x\n", 100),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
}

TEST(ContainerStatsTest, MemoryLeavesOutInactiveCacheAndCapsTheLimit) {
  cgroups::Stats cg;
  cg.memory_usage = 10000;
  cg.memory_inactive_file = 4000;
  cg.memory_limit = UINT64_MAX;
  cg.pids_current = 3;
  cg.cpu_usage_ns = 42;
  cg.block_read_bytes = 7;
  cg.block_write_bytes = 9;
  ContainerStats s;
  FillFromCgroup(cg, 1 << 30, &s);
  EXPECT_EQ(s.memory_usage, 6000u);
  EXPECT_EQ(s.memory_limit, 1u << 30);
  EXPECT_EQ(s.pids, 3u);
  EXPECT_EQ(s.cpu_usage_ns, 42u);
  EXPECT_EQ(s.block_read, 7u);
  EXPECT_EQ(s.block_write, 9u);
  cg.memory_limit = 64 << 20;
  cg.memory_inactive_file = 20000;  // more than the usage: left alone
  FillFromCgroup(cg, 1 << 30, &s);
  EXPECT_EQ(s.memory_limit, 64u << 20);
  EXPECT_EQ(s.memory_usage, 10000u);
}

TEST(ContainerStatsTest, MissingControllersReadAsZero) {
  ContainerStats s;
  FillFromCgroup(cgroups::Stats{}, 1 << 30, &s);
  EXPECT_EQ(s.memory_usage, 0u);
  EXPECT_EQ(s.memory_limit, 1u << 30);
  EXPECT_EQ(s.pids, 0u);
}

TEST(ContainerStatsTest, HostCpuReadsThisHost) {
  ContainerStats s;
  ASSERT_OK(FillHostCpu(&s));
  EXPECT_GT(s.system_cpu_ns, 0u);
  EXPECT_GE(s.online_cpus, 1u);
}

}  // namespace
}  // namespace crate::engine
