#include "runtime/container/resources.h"

#include <sys/resource.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::container {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ContainerResourcesTest, NothingAskedDeniesDevicesOnly) {
  ASSERT_OK_AND_ASSIGN(oci::Resources r, ContainerResources({}));
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_FALSE(r.devices[0].allow);
  EXPECT_EQ(r.devices[0].access, "rwm");
  EXPECT_FALSE(r.memory.has_value());
  EXPECT_FALSE(r.cpu.has_value());
  EXPECT_FALSE(r.pids.has_value());
}

TEST(ContainerResourcesTest, PrivilegedAllowsEveryDevice) {
  Options o;
  o.privileged = true;
  ASSERT_OK_AND_ASSIGN(oci::Resources r, ContainerResources(o));
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_TRUE(r.devices[0].allow);
}

TEST(ContainerResourcesTest, Memory) {
  Options o;
  o.memory = 256 << 20;
  ASSERT_OK_AND_ASSIGN(oci::Resources r, ContainerResources(o));
  EXPECT_EQ(r.memory->limit, 256 << 20);
  EXPECT_EQ(r.memory->swap, 512 << 20);  // docker's default: as much again
  o.memory_swap = 300 << 20;
  ASSERT_OK_AND_ASSIGN(r, ContainerResources(o));
  EXPECT_EQ(r.memory->swap, 300 << 20);
  o.memory_swap = -1;
  ASSERT_OK_AND_ASSIGN(r, ContainerResources(o));
  EXPECT_EQ(r.memory->swap, -1);
  o.memory = kMinMemory;
  o.memory_swap = kMinMemory;
  ASSERT_OK_AND_ASSIGN(r, ContainerResources(o));
  EXPECT_EQ(r.memory->limit, kMinMemory);
}

TEST(ContainerResourcesTest, Cpus) {
  Options o;
  o.cpus = 1.5;
  o.cpu_shares = 512;
  ASSERT_OK_AND_ASSIGN(oci::Resources r, ContainerResources(o));
  EXPECT_EQ(r.cpu->quota, 150000);
  EXPECT_EQ(r.cpu->period, 100000u);
  EXPECT_EQ(r.cpu->shares, 512u);
  o.cpus = 0.01;
  o.cpu_shares = 0;
  ASSERT_OK_AND_ASSIGN(r, ContainerResources(o));
  EXPECT_EQ(r.cpu->quota, 1000);
  EXPECT_FALSE(r.cpu->shares.has_value());
}

TEST(ContainerResourcesTest, Pids) {
  Options o;
  o.pids_limit = 100;
  ASSERT_OK_AND_ASSIGN(oci::Resources r, ContainerResources(o));
  EXPECT_EQ(r.pids->limit, 100);
  o.pids_limit = -1;
  ASSERT_OK_AND_ASSIGN(r, ContainerResources(o));
  EXPECT_FALSE(r.pids.has_value());
}

struct BadCase {
  const char* name;
  void (*set)(Options&);
  const char* message;
};

class BadResourcesTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadResourcesTest, NamesTheOption) {
  Options o;
  GetParam().set(o);
  EXPECT_THAT(ContainerResources(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadResourcesTest,
    ::testing::Values(
        BadCase{"MemoryTooSmall", [](Options& o) { o.memory = (6 << 20) - 1; },
                "--memory: minimum memory limit allowed is 6MB, got 6291455 "
                "bytes"},
        BadCase{"MemoryNegative", [](Options& o) { o.memory = -5; },
                "--memory: must not be negative"},
        BadCase{"SwapWithoutMemory",
                [](Options& o) { o.memory_swap = 1 << 30; },
                "--memory-swap: needs --memory as well"},
        BadCase{"SwapBelowMemory",
                [](Options& o) {
                  o.memory = 1 << 30;
                  o.memory_swap = 1 << 29;
                },
                "--memory-swap: memory+swap limit 536870912 is below the "
                "--memory limit 1073741824"},
        BadCase{"SwapNonsense", [](Options& o) { o.memory_swap = -2; },
                "--memory-swap: must be -1"},
        BadCase{"CpusNegative", [](Options& o) { o.cpus = -1; },
                "--cpus: must be a positive number"},
        BadCase{"CpusNan", [](Options& o) { o.cpus = 0.0 / 0.0; },
                "--cpus: must be a positive number"},
        BadCase{"CpusTiny", [](Options& o) { o.cpus = 0.001; },
                "--cpus: must be at least 0.01"},
        BadCase{"SharesTooLow", [](Options& o) { o.cpu_shares = 1; },
                "--cpu-shares: must be within [2, 262144], got 1"},
        BadCase{"SharesNegative", [](Options& o) { o.cpu_shares = -3; },
                "--cpu-shares: must be within"},
        BadCase{"PidsNonsense", [](Options& o) { o.pids_limit = -7; },
                "--pids-limit: must be -1 or 0"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::string(info.param.name);
    });

TEST(ParseUlimitsTest, SoftHardAndUnlimited) {
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Rlimit> r,
                       ParseUlimits({"nofile=1024:2048", "core=0", "memlock=-1",
                                     "NPROC=100:unlimited"}));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(r[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(r[0].soft, 1024u);
  EXPECT_EQ(r[0].hard, 2048u);
  EXPECT_EQ(r[1].type, "RLIMIT_CORE");
  EXPECT_EQ(r[1].hard, 0u);
  EXPECT_EQ(r[2].soft, RLIM_INFINITY);
  EXPECT_EQ(r[2].hard, RLIM_INFINITY);
  EXPECT_EQ(r[3].type, "RLIMIT_NPROC");
  EXPECT_EQ(r[3].soft, 100u);
  EXPECT_EQ(r[3].hard, RLIM_INFINITY);
}

TEST(ParseUlimitsTest, Refusals) {
  EXPECT_THAT(ParseUlimits({"nofile"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--ulimit nofile: want name=soft[:hard]")));
  EXPECT_THAT(ParseUlimits({"files=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--ulimit files=1: unknown limit \"files\""));
  EXPECT_THAT(ParseUlimits({"nofile=2048:1024"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--ulimit nofile=2048:1024: the soft limit 2048 is "
                       "above the hard limit 1024"));
  EXPECT_THAT(ParseUlimits({"nofile=lots"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"lots\" is not a number")));
  EXPECT_THAT(ParseUlimits({"nofile=1:2:3"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("want name=soft[:hard]")));
  EXPECT_THAT(ParseUlimits({"nofile=1", "NOFILE=2"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"NOFILE\" given twice")));
}

}  // namespace
}  // namespace crate::container
