#include "runtime/cgroups/plan.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace cgroups {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// "path file=value" lines, the readable form of a plan.
std::string Planned(const absl::StatusOr<Plan>& plan) {
  EXPECT_OK(plan.status());
  return plan.ok() ? PlanToString(*plan) : "";
}

Resources Typical() {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 30;
  r.memory->reservation = 1 << 29;
  r.memory->swap = 2LL << 30;
  r.memory->swappiness = 10;
  r.memory->disable_oom_killer = true;
  r.cpu.emplace();
  r.cpu->shares = 1024;
  r.cpu->quota = 50000;
  r.cpu->period = 100000;
  r.cpu->cpus = "0-1";
  r.cpu->mems = "0";
  r.pids.emplace();
  r.pids->limit = 100;
  r.block_io.emplace();
  r.block_io->weight = 500;
  r.block_io->throttle_read_bps_device.push_back({8, 0, 1048576});
  r.hugepage_limits.push_back({"2MB", 4 << 21});
  return r;
}

TEST(PlanV1Test, TypicalResources) {
  V1Layout layout;
  layout.path = "crate/abc";
  EXPECT_EQ(Planned(PlanV1(Typical(), layout)),
            "memory/crate/abc memory.memsw.limit_in_bytes=2147483648\n"
            "memory/crate/abc memory.limit_in_bytes=1073741824\n"
            "memory/crate/abc memory.soft_limit_in_bytes=536870912\n"
            "memory/crate/abc memory.swappiness=10\n"
            "memory/crate/abc memory.oom_control=1\n"
            "cpu/crate/abc cpu.shares=1024\n"
            "cpu/crate/abc cpu.cfs_period_us=100000\n"
            "cpu/crate/abc cpu.cfs_quota_us=50000\n"
            "cpuset/crate/abc cpuset.cpus=0-1\n"
            "cpuset/crate/abc cpuset.mems=0\n"
            "pids/crate/abc pids.max=100\n"
            "blkio/crate/abc blkio.weight=500\n"
            "blkio/crate/abc blkio.throttle.read_bps_device=8:0 1048576\n"
            "hugetlb/crate/abc hugetlb.2MB.limit_in_bytes=8388608\n");
}

TEST(PlanV1Test, HybridPutsHugetlbAndUnifiedInCgroup2) {
  V1Layout layout;
  layout.path = "x";
  layout.hybrid = true;
  layout.unified_controllers = {"hugetlb"};
  Resources r;
  r.hugepage_limits.push_back({"1GB", 1 << 30});
  r.unified["hugetlb.1GB.rsvd.max"] = "0";
  EXPECT_EQ(Planned(PlanV1(r, layout)),
            "unified/x hugetlb.1GB.max=1073741824\n"
            "unified/x hugetlb.1GB.rsvd.max=0\n");
  layout.hybrid = false;
  EXPECT_THAT(PlanV1(r, layout),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("unified needs cgroup v2")));
}

TEST(PlanV1Test, UnlimitedAndDevices) {
  V1Layout layout;
  layout.path = "x";
  Resources r;
  r.memory.emplace();
  r.memory->limit = -1;
  r.pids.emplace();
  r.pids->limit = -1;
  DeviceRule deny_all;
  r.devices.push_back(deny_all);
  DeviceRule null;
  null.allow = true;
  null.type = "c";
  null.major = 1;
  null.minor = 3;
  null.access = "rw";
  r.devices.push_back(null);
  DeviceRule any_pts;
  any_pts.allow = true;
  any_pts.type = "c";
  any_pts.major = 136;
  r.devices.push_back(any_pts);
  EXPECT_EQ(Planned(PlanV1(r, layout)),
            "memory/x memory.memsw.limit_in_bytes=-1\n"
            "memory/x memory.limit_in_bytes=-1\n"
            "pids/x pids.max=max\n"
            "devices/x devices.deny=a *:* rwm\n"
            "devices/x devices.allow=c 1:3 rw\n"
            "devices/x devices.allow=c 136:* rwm\n");
}

TEST(PlanV2Test, TypicalResources) {
  Resources r = Typical();
  r.unified["memory.high"] = "900000000";
  EXPECT_EQ(Planned(PlanV2(r, "crate/abc")),
            "crate/abc memory.max=1073741824\n"
            "crate/abc memory.low=536870912\n"
            "crate/abc memory.swap.max=1073741824\n"
            "crate/abc cpu.weight=39\n"
            "crate/abc cpu.max=50000 100000\n"
            "crate/abc cpuset.cpus=0-1\n"
            "crate/abc cpuset.mems=0\n"
            "crate/abc pids.max=100\n"
            "crate/abc io.bfq.weight=500\n"
            "crate/abc io.max=8:0 rbps=1048576\n"
            "crate/abc hugetlb.2MB.max=8388608\n"
            "crate/abc memory.high=900000000\n");
}

TEST(PlanV2Test, Conversions) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = -1;
  r.cpu.emplace();
  r.cpu->quota = -1;
  r.cpu->shares = 2;
  EXPECT_EQ(Planned(PlanV2(r, "x")),
            "x memory.max=max\n"
            "x memory.swap.max=max\n"
            "x cpu.weight=1\n"
            "x cpu.max=max 100000\n");
  r.cpu->quota = 20000;
  r.cpu->realtime_runtime = 1000;
  EXPECT_THAT(PlanV2(r, "x"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("realtime")));
}

class ExecuteTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("plan")); }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }
  void Touch(const std::string& rel, const std::string& content = "") {
    std::string path = JoinPath(root_, rel);
    ASSERT_OK(MakeDirs(path.substr(0, path.rfind('/'))));
    std::ofstream(path) << content;
  }
  std::string Read(const std::string& rel) {
    absl::StatusOr<std::string> s = ReadFile(JoinPath(root_, rel));
    return s.ok() ? *s : "<missing>";
  }
  std::string root_;
};

TEST_F(ExecuteTest, WritesFallbackAndReportsMissing) {
  Touch("blkio/x/blkio.bfq.weight");
  Touch("memory/x/memory.limit_in_bytes");
  V1Layout layout;
  layout.path = "x";
  Resources r;
  r.block_io.emplace();
  r.block_io->weight = 300;
  r.memory.emplace();
  r.memory->limit = 4096;
  ASSERT_OK_AND_ASSIGN(Plan plan, PlanV1(r, layout));
  ASSERT_OK(ExecutePlan(root_, plan));
  EXPECT_EQ(Read("blkio/x/blkio.bfq.weight"), "300");
  EXPECT_EQ(Read("memory/x/memory.limit_in_bytes"), "4096");

  r.memory->swap = 8192;
  ASSERT_OK_AND_ASSIGN(plan, PlanV1(r, layout));
  EXPECT_THAT(ExecutePlan(root_, plan),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("no swap accounting"),
                             HasSubstr("memory.memsw.limit_in_bytes"))));
}

TEST_F(ExecuteTest, ErrorNamesFieldFileAndValue) {
  // A directory where a file should be: the write fails.
  ASSERT_OK(MakeDirs(JoinPath(root_, "pids/x/pids.max")));
  Resources r;
  r.pids.emplace();
  r.pids->limit = 7;
  V1Layout layout;
  layout.path = "x";
  ASSERT_OK_AND_ASSIGN(Plan plan, PlanV1(r, layout));
  EXPECT_THAT(
      ExecutePlan(root_, plan),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("pids.limit"), HasSubstr("pids/x/pids.max"))));
}

}  // namespace
}  // namespace cgroups
}  // namespace crate
