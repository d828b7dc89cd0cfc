#include "cli/crate/stats_rows.h"

#include "cli/crate/row_output.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::cli {
namespace {

crate::v1::StatsResponse Read(uint64_t cpu, uint64_t system) {
  crate::v1::StatsResponse s;
  s.set_id("0123456789abcdef0123");
  s.set_name("web");
  s.set_running(true);
  s.set_cpu_usage_nanos(cpu);
  s.set_system_cpu_usage_nanos(system);
  s.set_online_cpus(2);
  s.set_memory_usage_bytes(1536 * 1024);
  s.set_memory_limit_bytes(64 << 20);
  s.set_pids(3);
  s.set_block_read_bytes(4100);
  return s;
}

TEST(StatsRowsTest, CpuPercentIsDockers) {
  // A quarter of the host's time over two CPUs: 50%.
  EXPECT_DOUBLE_EQ(CpuPercent(Read(1000, 10000), Read(3500, 20000)), 50.0);
  EXPECT_EQ(CpuPercent(Read(1000, 10000), Read(1000, 10000)), 0);
  crate::v1::StatsResponse stopped = Read(0, 20000);
  stopped.set_running(false);
  EXPECT_EQ(CpuPercent(Read(1000, 10000), stopped), 0);
}

TEST(StatsRowsTest, RowIsDockers) {
  crate::v1::StatsResponse before = Read(1000, 10000);
  Json row = StatsRow(Read(3500, 20000), &before);
  EXPECT_EQ(row["ID"], "0123456789ab");
  EXPECT_EQ(row["Name"], "web");
  EXPECT_EQ(row["CPUPerc"], "50.00%");
  EXPECT_EQ(row["MemUsage"], "1.5MiB / 64MiB");
  EXPECT_EQ(row["MemPerc"], "2.34%");
  EXPECT_EQ(row["NetIO"], "--");
  EXPECT_EQ(row["BlockIO"], "4.1kB / 0B");
  EXPECT_EQ(row["PIDs"], "3");
  EXPECT_EQ(StatsRow(Read(1, 1), nullptr)["CPUPerc"], "0.00%");
}

TEST(StatsRowsTest, DefaultTable) {
  crate::v1::StatsResponse before = Read(1000, 10000);
  ASSERT_OK_AND_ASSIGN(std::string out,
                       RenderRows({StatsRow(Read(3500, 20000), &before)}, "",
                                  kStatsTable, StatsHeaders()));
  EXPECT_THAT(out, ::testing::StartsWith(
                       "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT"
                       "   MEM %     NET I/O   BLOCK I/O    PIDS\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("0123456789ab   web       50.00%"));
}

}  // namespace
}  // namespace crate::cli
