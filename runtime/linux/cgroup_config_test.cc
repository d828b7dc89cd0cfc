#include "runtime/linux/cgroup_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crate::linux {
namespace {

TEST(CgroupConfigTest, MapsTheSpec) {
  auto spec = oci::ParseSpec(R"({"ociVersion": "1.1.0", "linux": {
    "cgroupsPath": "/crate/x",
    "resources": {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 1, "minor": -1,
                   "access": "rw"}],
      "memory": {"limit": 1048576, "swap": -1, "swappiness": 5},
      "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0"},
      "pids": {"limit": 32},
      "blockIO": {"weight": 300,
                  "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 9}]},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
      "unified": {"memory.high": "2000000"}}}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  cgroups::Resources r = ToCgroupResources(*spec->linux->resources);
  EXPECT_EQ(r.memory->limit, 1048576);
  EXPECT_EQ(r.memory->swap, -1);
  EXPECT_EQ(r.memory->swappiness, 5);
  EXPECT_EQ(r.cpu->shares, 512);
  EXPECT_EQ(r.cpu->quota, 20000);
  EXPECT_EQ(r.cpu->period, 100000);
  EXPECT_EQ(r.cpu->cpus, "0");
  EXPECT_EQ(r.pids->limit, 32);
  EXPECT_EQ(r.block_io->weight, 300);
  EXPECT_EQ(r.block_io->throttle_write_bps_device[0].rate, 9);
  EXPECT_EQ(r.hugepage_limits[0].limit, 4194304);
  ASSERT_EQ(r.devices.size(), 2u);
  EXPECT_EQ(r.devices[0].type, "a");
  EXPECT_FALSE(r.devices[0].major.has_value());
  EXPECT_EQ(r.devices[1].major, 1);
  EXPECT_FALSE(r.devices[1].minor.has_value());
  EXPECT_EQ(r.devices[1].access, "rw");
  EXPECT_EQ(r.unified.at("memory.high"), "2000000");
  cgroups::Resources full = CgroupResourcesFor(*spec);
  ASSERT_GT(full.devices.size(), 2u);
  EXPECT_FALSE(full.devices[0].allow);  // The spec's rules come first.
  const cgroups::DeviceRule& null_rule = full.devices[4];
  EXPECT_TRUE(null_rule.allow);
  EXPECT_EQ(null_rule.major, 1);
  EXPECT_EQ(null_rule.minor, 3);
  EXPECT_EQ(CgroupPathFor(*spec, "x"), "/crate/x");
  spec->linux->cgroups_path.clear();
  EXPECT_EQ(CgroupPathFor(*spec, "abc"), "/abc");
}

}  // namespace
}  // namespace crate::linux
