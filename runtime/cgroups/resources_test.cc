#include "runtime/cgroups/resources.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace cgroups {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// The value, or T() after a test failure.
template <typename T>
T Get(absl::StatusOr<T> s) {
  EXPECT_OK(s.status());
  return s.ok() ? *std::move(s) : T();
}

TEST(ParseCpuListTest, AcceptsKernelSyntax) {
  EXPECT_EQ(Get(ParseCpuList("0")), 0);
  ASSERT_OK_AND_ASSIGN(int hi, ParseCpuList("0-3,7,10-11"));
  EXPECT_EQ(hi, 11);
  ASSERT_OK_AND_ASSIGN(hi, ParseCpuList(" 1,2 \n"));
  EXPECT_EQ(hi, 2);
}

TEST(ParseCpuListTest, RefusesBadSyntax) {
  for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1 2", "0x1"}) {
    EXPECT_THAT(ParseCpuList(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_))
        << bad;
  }
}

TEST(ConversionTest, SharesToWeightMatchesRunc) {
  EXPECT_EQ(SharesToWeight(2), 1u);
  EXPECT_EQ(SharesToWeight(1024), 39u);
  EXPECT_EQ(SharesToWeight(262144), 10000u);
  EXPECT_EQ(SharesToWeight(0), 0u);
  EXPECT_EQ(BlkioWeightToIoWeight(10), 1u);
  EXPECT_EQ(BlkioWeightToIoWeight(1000), 10000u);
}

TEST(ValidateTest, EmptyIsValid) { EXPECT_OK(ValidateResources({})); }

TEST(ValidateTest, NamesFieldAndValue) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = -5;
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("memory.limit"), HasSubstr("-5"))));
}

TEST(ValidateTest, MinusOneMeansUnlimited) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = -1;
  r.memory->swap = -1;
  r.cpu.emplace();
  r.cpu->quota = -1;
  EXPECT_OK(ValidateResources(r));
}

TEST(ValidateTest, ReservationAboveLimit) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 20;
  r.memory->reservation = 2 << 20;
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("memory.reservation"),
                             HasSubstr("2097152"), HasSubstr("1048576"))));
}

TEST(ValidateTest, SwapBelowLimit) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 2 << 20;
  r.memory->swap = 1 << 20;
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("memory.swap = 1048576")));
}

TEST(ValidateTest, QuotaWithZeroPeriod) {
  Resources r;
  r.cpu.emplace();
  r.cpu->quota = 50000;
  r.cpu->period = 0;
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("cpu.period"), HasSubstr("50000"))));
}

TEST(ValidateTest, BadCpus) {
  Resources r;
  r.cpu.emplace();
  r.cpu->cpus = "0-";
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("cpu.cpus = 0-"), HasSubstr("bad"))));
  r.cpu->cpus = "0-1";
  r.cpu->mems = "x";
  EXPECT_THAT(ValidateResources(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("cpu.mems = x")));
}

TEST(ValidateTest, RangesAndNames) {
  Resources r;
  r.cpu.emplace();
  r.cpu->shares = 1;
  EXPECT_THAT(ValidateResources(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("cpu.shares = 1")));
  r.cpu.reset();
  r.block_io.emplace();
  r.block_io->weight = 5000;
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("blockIO.weight = 5000")));
  r.block_io.reset();
  r.hugepage_limits.push_back({"2XB", 1});
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("hugepageLimits.pageSize = 2XB")));
  r.hugepage_limits = {{"2MB", 1 << 21}};
  EXPECT_OK(ValidateResources(r));
  r.unified["../memory.max"] = "1";
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a cgroup file name")));
  r.unified.clear();
  DeviceRule d;
  d.type = "x";
  r.devices.push_back(d);
  EXPECT_THAT(ValidateResources(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("devices.type = x")));
  r.devices[0].type = "c";
  r.devices[0].access = "rwx";
  EXPECT_THAT(ValidateResources(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("devices.access = rwx")));
}

}  // namespace
}  // namespace cgroups
}  // namespace crate
