#include "runtime/cgroups/systemd/scope_plan.h"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate {
namespace cgroups {
namespace systemd {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

struct NameCase {
  std::string path;
  bool rootless;
  std::string slice;
  std::string unit;
};

TEST(ParseCgroupsPath, Names) {
  const NameCase cases[] = {
      {"", false, "system.slice", "crate-abc.scope"},
      {"", true, "user.slice", "crate-abc.scope"},
      {"machine.slice:libpod:abc", false, "machine.slice", "libpod-abc.scope"},
      {":libpod:abc", false, "system.slice", "libpod-abc.scope"},
      {":libpod:abc", true, "user.slice", "libpod-abc.scope"},
      {"machine.slice::abc", false, "machine.slice", "abc.scope"},
      {"system.slice:docker:1234", false, "system.slice", "docker-1234.scope"},
  };
  for (const NameCase& c : cases) {
    SCOPED_TRACE(c.path);
    ASSERT_OK_AND_ASSIGN(UnitName n,
                         ParseCgroupsPath(c.path, "abc", c.rootless));
    EXPECT_EQ(n.slice, c.slice);
    EXPECT_EQ(n.unit, c.unit);
  }
}

TEST(ParseCgroupsPath, Refusals) {
  EXPECT_THAT(ParseCgroupsPath("/crate/abc", "abc", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected \"slice:prefix:name\" for systemd "
                                 "cgroups, got \"/crate/abc\"")));
  EXPECT_THAT(ParseCgroupsPath("a:b", "abc", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("slice:prefix:name")));
  EXPECT_THAT(ParseCgroupsPath("a.slice:b:c:d", "abc", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("slice:prefix:name")));
  EXPECT_THAT(ParseCgroupsPath("a.slice:p:", "abc", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the name is empty")));
  EXPECT_THAT(ParseCgroupsPath("a.slice:p:n.slice", "abc", false),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("a slice as the container's own unit")));
  EXPECT_THAT(ParseCgroupsPath("a.slice:p:x/y", "abc", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"p-x/y.scope\" is not a valid systemd "
                                 "unit name")));
  EXPECT_THAT(ParseCgroupsPath("", "a b", false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a valid systemd unit name")));
}

TEST(ExpandSlice, NestsByDash) {
  // runc's TestExpandSlice cases.
  const std::pair<const char*, const char*> good[] = {
      {"-.slice", ""},
      {"system.slice", "system.slice"},
      {"test-a.slice", "test.slice/test-a.slice"},
      {"test-a-b.slice", "test.slice/test-a.slice/test-a-b.slice"},
      {"machine-libpod_pod_1.slice",
       "machine.slice/machine-libpod_pod_1.slice"},
  };
  for (const auto& [in, want] : good) {
    SCOPED_TRACE(in);
    ASSERT_OK_AND_ASSIGN(std::string got, ExpandSlice(in));
    EXPECT_EQ(got, want);
  }
  for (const char* bad :
       {"test-a-b", "test.slice/foo.slice", ".slice", "test--a.slice",
        "-test.slice", "test-.slice", "foo.service", "a b.slice"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ExpandSlice(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("invalid slice name")));
  }
}

TEST(CpuListToBits, LittleEndianBytes) {
  // runc's TestRangeToBits, in systemd's byte order.
  const std::pair<const char*, std::vector<uint8_t>> good[] = {
      {"0", {0x01}},
      {"1", {0x02}},
      {"0-3", {0x0f}},
      {"0,2", {0x05}},
      {"7", {0x80}},
      {"8", {0x00, 0x01}},
      {"0-3,8-9", {0x0f, 0x03}},
      {" 1 ", {0x02}},
      {"0-1,1-2", {0x07}},
  };
  for (const auto& [in, want] : good) {
    SCOPED_TRACE(in);
    ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> got, CpuListToBits(in));
    EXPECT_EQ(got, want);
  }
  for (const char* bad : {"", "a", "3-1", "1,", "-1", "1-", "2000000"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(CpuListToBits(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(bad)));
  }
}

TEST(QuotaPerSecUSec, RoundsUpToWholePercents) {
  bool exact = false;
  EXPECT_EQ(QuotaPerSecUSec(50000, 100000, &exact), 500000u);
  EXPECT_TRUE(exact);
  EXPECT_EQ(QuotaPerSecUSec(200000, 100000, &exact), 2000000u);
  EXPECT_TRUE(exact);
  EXPECT_EQ(QuotaPerSecUSec(123456, 100000, &exact), 1240000u);
  EXPECT_FALSE(exact);
  EXPECT_EQ(QuotaPerSecUSec(5000, 1000000, &exact), 10000u);
  EXPECT_FALSE(exact);
  EXPECT_EQ(QuotaPerSecUSec(-1, 100000, &exact), kMax);
  EXPECT_TRUE(exact);
  EXPECT_EQ(QuotaPerSecUSec(0, 0, &exact), kMax);
}

PlanInput V2(int version = 252) {
  PlanInput in;
  in.v2 = true;
  in.systemd_version = version;
  return in;
}

PlanInput V1(int version = 252) {
  PlanInput in = V2(version);
  in.v2 = false;
  return in;
}

TEST(PlanResources, MemoryV2) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 20;
  r.memory->reservation = 1 << 19;
  r.memory->swap = 2 << 20;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "MemoryMax=t 1048576\n"
            "MemoryLow=t 524288\n"
            "MemorySwapMax=t 1048576\n");
  EXPECT_FALSE(p.leftovers.memory.has_value());
}

TEST(PlanResources, MemoryUnlimitedAndLeftovers) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = -1;
  r.memory->swap = -1;
  r.memory->swappiness = 10;  // No property: cgroupfs (v1) or ignored (v2).
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "MemoryMax=t 18446744073709551615\n"
            "MemorySwapMax=t 18446744073709551615\n");
  ASSERT_TRUE(p.leftovers.memory.has_value());
  EXPECT_FALSE(p.leftovers.memory->limit.has_value());
  EXPECT_FALSE(p.leftovers.memory->swap.has_value());
  EXPECT_EQ(p.leftovers.memory->swappiness, 10);
}

TEST(PlanResources, SwapBelowLimitIsRefused) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 2 << 20;
  r.memory->swap = 1 << 20;
  EXPECT_THAT(PlanResources(r, V2()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.resources.memory.swap 1048576 is "
                                 "below linux.resources.memory.limit")));
}

TEST(PlanResources, SwapWithoutLimitGoesToCgroupfs) {
  Resources r;
  r.memory.emplace();
  r.memory->swap = 1 << 20;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_TRUE(p.properties.empty());
  ASSERT_TRUE(p.leftovers.memory.has_value());
  EXPECT_EQ(p.leftovers.memory->swap, 1 << 20);
}

TEST(PlanResources, CpuV2) {
  Resources r;
  r.cpu.emplace();
  r.cpu->shares = 1024;
  r.cpu->quota = 50000;
  r.cpu->period = 100000;
  r.cpu->cpus = "0-1";
  r.cpu->mems = "0";
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "CPUWeight=t 39\n"
            "CPUQuotaPeriodUSec=t 100000\n"
            "CPUQuotaPerSecUSec=t 500000\n"
            "AllowedCPUs=ay 03\n"
            "AllowedMemoryNodes=ay 01\n");
  EXPECT_FALSE(p.leftovers.cpu.has_value());
}

TEST(PlanResources, CpuOnOldSystemdKeepsWhatItCannotSay) {
  Resources r;
  r.cpu.emplace();
  r.cpu->quota = 50000;
  r.cpu->period = 50000;
  r.cpu->cpus = "1";
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2(241)));
  EXPECT_EQ(PropertiesToString(p.properties), "CPUQuotaPerSecUSec=t 1000000\n");
  ASSERT_TRUE(p.leftovers.cpu.has_value());
  EXPECT_EQ(p.leftovers.cpu->quota, 50000);
  EXPECT_EQ(p.leftovers.cpu->period, 50000);
  EXPECT_EQ(p.leftovers.cpu->cpus, "1");
}

TEST(PlanResources, RoundedQuotaAlsoGoesToCgroupfs) {
  Resources r;
  r.cpu.emplace();
  r.cpu->quota = 123456;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties), "CPUQuotaPerSecUSec=t 1240000\n");
  ASSERT_TRUE(p.leftovers.cpu.has_value());
  EXPECT_EQ(p.leftovers.cpu->quota, 123456);
}

TEST(PlanResources, UnlimitedQuota) {
  Resources r;
  r.cpu.emplace();
  r.cpu->quota = -1;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "CPUQuotaPerSecUSec=t 18446744073709551615\n");
  EXPECT_FALSE(p.leftovers.cpu.has_value());
}

TEST(PlanResources, RealtimeStaysForCgroupfs) {
  Resources r;
  r.cpu.emplace();
  r.cpu->realtime_runtime = 1000;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V1()));
  EXPECT_TRUE(p.properties.empty());
  ASSERT_TRUE(p.leftovers.cpu.has_value());
  EXPECT_EQ(p.leftovers.cpu->realtime_runtime, 1000);
}

TEST(PlanResources, Pids) {
  Resources r;
  r.pids = PidsResources{100};
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties), "TasksMax=t 100\n");
  EXPECT_FALSE(p.leftovers.pids.has_value());
  r.pids = PidsResources{-1};
  ASSERT_OK_AND_ASSIGN(p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "TasksMax=t 18446744073709551615\n");
}

TEST(PlanResources, V1Names) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 1 << 20;
  r.memory->reservation = 1 << 19;
  r.cpu.emplace();
  r.cpu->shares = 512;
  r.block_io.emplace();
  r.block_io->weight = 500;
  r.block_io->throttle_read_bps_device.push_back({8, 0, 1000});
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V1()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "MemoryLimit=t 1048576\n"
            "CPUShares=t 512\n"
            "BlockIOWeight=t 500\n");
  // No MemoryLow on v1: the soft limit is written through cgroupfs.
  ASSERT_TRUE(p.leftovers.memory.has_value());
  EXPECT_EQ(p.leftovers.memory->reservation, 1 << 19);
  ASSERT_TRUE(p.leftovers.block_io.has_value());
  EXPECT_FALSE(p.leftovers.block_io->weight.has_value());
  EXPECT_EQ(p.leftovers.block_io->throttle_read_bps_device.size(), 1u);
}

TEST(PlanResources, IoWeightV2) {
  Resources r;
  r.block_io.emplace();
  r.block_io->weight = 500;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  ASSERT_EQ(p.properties.size(), 1u);
  EXPECT_EQ(p.properties[0].name, "IOWeight");
  EXPECT_EQ(p.properties[0].value.t, BlkioWeightToIoWeight(500));
  EXPECT_FALSE(p.leftovers.block_io.has_value());
}

DeviceRule Rule(bool allow, const char* type, absl::optional<int64_t> major,
                absl::optional<int64_t> minor, const char* access) {
  DeviceRule r;
  r.allow = allow;
  r.type = type;
  r.major = major;
  r.minor = minor;
  r.access = access;
  return r;
}

TEST(PlanResources, DevicesAllowList) {
  Resources r;
  r.devices = {
      Rule(false, "a", {}, {}, "rwm"), Rule(true, "c", 1, 3, "rwm"),
      Rule(true, "c", {}, {}, "m"),    Rule(true, "b", {}, {}, "m"),
      Rule(true, "c", 136, {}, "rwm"), Rule(true, "c", 5, 2, "rwm"),
      Rule(false, "c", 5, 2, "rwm"),
  };
  PlanInput in = V2();
  in.char_majors = {{136, "pts"}, {1, "mem"}};
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, in));
  EXPECT_EQ(PropertiesToString(p.properties),
            "DevicePolicy=s strict\n"
            "DeviceAllow=a(ss) [/dev/char/1:3 rwm, char-* m, block-* m, "
            "char-pts rwm]\n");
  // crate's own filter gets the same rules.
  EXPECT_EQ(p.leftovers.devices.size(), r.devices.size());
}

TEST(PlanResources, DevicesSystemdCannotSay) {
  PlanInput in = V2();
  const std::vector<std::vector<DeviceRule>> lists = {
      {Rule(true, "a", {}, {}, "rwm")},
      {Rule(true, "a", {}, {}, "rwm"), Rule(false, "c", 1, 3, "rwm")},
      {Rule(false, "a", {}, {}, "rwm"), Rule(true, "c", 250, {}, "rwm")},
      {Rule(false, "a", {}, {}, "rwm"), Rule(true, "c", 1, 3, "rwm"),
       Rule(false, "c", 1, 3, "w")},
  };
  for (const auto& rules : lists) {
    Resources r;
    r.devices = rules;
    ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, in));
    EXPECT_EQ(PropertiesToString(p.properties),
              "DevicePolicy=s auto\nDeviceAllow=a(ss) []\n");
  }
}

TEST(PlanResources, UnifiedKeysWithProperties) {
  Resources r;
  r.unified = {{"memory.high", "1000"},
               {"pids.max", " max "},
               {"cpu.weight", "50"},
               {"io.weight", "100"}};
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_EQ(PropertiesToString(p.properties),
            "CPUWeight=t 50\n"
            "MemoryHigh=t 1000\n"
            "TasksMax=t 18446744073709551615\n");
  ASSERT_EQ(p.leftovers.unified.size(), 1u);
  EXPECT_EQ(p.leftovers.unified.count("io.weight"), 1u);
  r.unified = {{"memory.max", "lots"}};
  EXPECT_THAT(PlanResources(r, V2()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.resources.unified.memory.max: "
                                 "\"lots\" is not a number")));
}

TEST(PlanResources, HugetlbAndRdmaStayForCgroupfs) {
  Resources r;
  r.hugepage_limits.push_back({"2MB", 1 << 21});
  r.rdma["mlx5_0"].hca_handles = 3;
  ASSERT_OK_AND_ASSIGN(ResourcePlan p, PlanResources(r, V2()));
  EXPECT_TRUE(p.properties.empty());
  EXPECT_EQ(p.leftovers.hugepage_limits.size(), 1u);
  EXPECT_EQ(p.leftovers.rdma.size(), 1u);
}

TEST(PlanScope, StartTransientUnitProperties) {
  Resources r;
  r.memory.emplace();
  r.memory->limit = 64 << 20;
  r.pids = PidsResources{32};
  ScopeRequest req;
  req.cgroups_path = "machine-libpod_pod_1.slice:libpod:abc";
  req.id = "abc";
  req.pid = 4242;
  req.resources = &r;
  req.input = V2();
  ASSERT_OK_AND_ASSIGN(ScopePlan p, PlanScope(req));
  EXPECT_EQ(p.name.unit, "libpod-abc.scope");
  EXPECT_EQ(p.name.slice, "machine-libpod_pod_1.slice");
  EXPECT_EQ(p.cgroup_path,
            "machine.slice/machine-libpod_pod_1.slice/libpod-abc.scope");
  EXPECT_EQ(PropertiesToString(p.properties),
            "Description=s crate container abc\n"
            "Slice=s machine-libpod_pod_1.slice\n"
            "PIDs=au [4242]\n"
            "Delegate=b true\n"
            "MemoryAccounting=b true\n"
            "CPUAccounting=b true\n"
            "IOAccounting=b true\n"
            "TasksAccounting=b true\n"
            "DefaultDependencies=b false\n"
            "MemoryMax=t 67108864\n"
            "TasksMax=t 32\n");
  EXPECT_FALSE(p.leftovers.memory.has_value());
  EXPECT_FALSE(p.leftovers.pids.has_value());
}

TEST(PlanScope, DefaultsAndV1) {
  ScopeRequest req;
  req.id = "c1";
  req.pid = 7;
  req.input = V1();
  ASSERT_OK_AND_ASSIGN(ScopePlan p, PlanScope(req));
  EXPECT_EQ(p.cgroup_path, "system.slice/crate-c1.scope");
  EXPECT_THAT(PropertiesToString(p.properties),
              HasSubstr("BlockIOAccounting=b true\n"));
  req.cgroups_path = "-.slice:p:c1";
  ASSERT_OK_AND_ASSIGN(p, PlanScope(req));
  EXPECT_EQ(p.cgroup_path, "p-c1.scope");
}

TEST(AnnotationProperties, GVariantTextAsRuncReadsIt) {
  std::map<std::string, std::string> a = {
      {"org.systemd.property.TimeoutStopSec", "15"},
      {"org.systemd.property.RuntimeMaxSec", "1.5"},
      {"org.systemd.property.TimeoutStopUSec", "uint64 3000000"},
      {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
      {"org.systemd.property.SendSIGHUP", "true"},
      {"org.systemd.property.CPUWeight", "uint64 200"},
      {"org.systemd.property.Nice", "int32 -5"},
      {"org.systemd.property.OOMScoreAdjust", "-100"},
      {"org.systemd.property.LimitNOFILE", "int64 1024"},
      {"org.systemd.property.KillSignal", "uint32 9"},
      {"io.podman.annotations.init", "true"},
  };
  ASSERT_OK_AND_ASSIGN(std::vector<Property> ps, AnnotationProperties(a));
  EXPECT_EQ(PropertiesToString(ps),
            "CPUWeight=t 200\n"
            "CollectMode=s inactive-or-failed\n"
            "KillSignal=u 9\n"
            "LimitNOFILE=x 1024\n"
            "Nice=i -5\n"
            "OOMScoreAdjust=i -100\n"
            "RuntimeMaxUSec=t 1500000\n"
            "SendSIGHUP=b true\n"
            "TimeoutStopUSec=t 15000000\n"
            "TimeoutStopUSec=t 3000000\n");
}

TEST(AnnotationProperties, Refusals) {
  const std::pair<const char*, const char*> bad[] = {
      {"org.systemd.property.TimeoutStopSec", "soon"},
      {"org.systemd.property.TimeoutStopSec", "-1"},
      {"org.systemd.property.Foo", "uint64 x"},
      {"org.systemd.property.Foo", "uint32 5000000000"},
      {"org.systemd.property.Foo", "['a', 'b']"},
      {"org.systemd.property.Foo", "'unterminated"},
      {"org.systemd.property.", "1"},
      {"org.systemd.property.a.b", "1"},
  };
  for (const auto& [k, v] : bad) {
    SCOPED_TRACE(k);
    EXPECT_THAT(AnnotationProperties({{k, v}}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("annotations.\"", k, "\""))));
  }
}

TEST(PlanScope, AnnotationsComeLast) {
  ScopeRequest req;
  req.id = "c1";
  req.pid = 7;
  req.input = V2();
  req.annotations = {
      {"org.systemd.property.CollectMode", "'inactive-or-failed'"}};
  ASSERT_OK_AND_ASSIGN(ScopePlan p, PlanScope(req));
  EXPECT_EQ(PropertyToString(p.properties.back()),
            "CollectMode=s inactive-or-failed");
}

TEST(PlanScope, Refusals) {
  ScopeRequest req;
  req.id = "c1";
  req.pid = 0;
  EXPECT_THAT(PlanScope(req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("crate-c1.scope: no process to put in it")));
  req.pid = 1;
  req.cgroups_path = "machine:p:c1";
  EXPECT_THAT(PlanScope(req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid slice name \"machine\"")));
}

}  // namespace
}  // namespace systemd
}  // namespace cgroups
}  // namespace crate
