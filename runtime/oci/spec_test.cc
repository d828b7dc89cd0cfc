#include "runtime/oci/spec.h"

#include <sys/resource.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::oci {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// A config close to what `runc spec` writes, with a bit of everything.
Json GoodConfig() {
  return Json::parse(R"json({
    "ociVersion": "1.1.0",
    "process": {
      "terminal": false,
      "user": {"uid": 1000, "gid": 100, "umask": 18, "additionalGids": [5, 6]},
      "args": ["sh", "-c", "echo hi"],
      "env": ["PATH=/bin", "EMPTY="],
      "cwd": "/",
      "capabilities": {
        "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "effective": ["CAP_KILL"],
        "permitted": ["CAP_KILL"],
        "ambient": []
      },
      "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
      "noNewPrivileges": true,
      "oomScoreAdj": 100
    },
    "root": {"path": "rootfs", "readonly": true},
    "hostname": "box",
    "mounts": [
      {"destination": "/proc", "type": "proc", "source": "proc"},
      {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
       "options": ["nosuid", "mode=755"]}
    ],
    "hooks": {"poststop": [{"path": "/bin/true", "args": ["true"], "timeout": 5}]},
    "annotations": {"org.example.key": "value"},
    "linux": {
      "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                     {"type": "network", "path": "/proc/1/ns/net"}],
      "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                   "fileMode": 438}],
      "cgroupsPath": "/crate/box",
      "resources": {
        "devices": [{"allow": false, "access": "rwm"},
                    {"allow": true, "type": "c", "major": 1, "minor": 3,
                     "access": "rw"}],
        "memory": {"limit": 104857600, "swap": 209715200, "swappiness": 10},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1"},
        "pids": {"limit": 64},
        "blockIO": {"weight": 500,
                    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1000}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
        "unified": {"memory.high": "max"}
      },
      "sysctl": {"kernel.domainname": "example.com"},
      "seccomp": {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                     {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]
      },
      "rootfsPropagation": "rprivate",
      "maskedPaths": ["/proc/kcore"],
      "readonlyPaths": ["/proc/sys"],
      "personality": {"domain": "LINUX"}
    },
    "someFutureField": {"ignored": true}
  })json");
}

TEST(ParseSpecTest, ParsesAGoodConfig) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(GoodConfig().dump()));
  EXPECT_OK(ValidateForCreate(spec));
  EXPECT_EQ(spec.oci_version, "1.1.0");
  ASSERT_TRUE(spec.process.has_value());
  EXPECT_THAT(spec.process->args, ElementsAre("sh", "-c", "echo hi"));
  EXPECT_EQ(spec.process->user.uid, 1000u);
  EXPECT_EQ(spec.process->user.gid, 100u);
  EXPECT_EQ(spec.process->user.umask, 18u);
  EXPECT_THAT(spec.process->user.additional_gids, ElementsAre(5u, 6u));
  ASSERT_TRUE(spec.process->capabilities.has_value());
  EXPECT_THAT(spec.process->capabilities->bounding, ElementsAre(5, 10));
  ASSERT_EQ(spec.process->rlimits.size(), 1u);
  EXPECT_EQ(spec.process->rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(spec.process->rlimits[0].soft, 512u);
  EXPECT_TRUE(spec.process->no_new_privileges);
  EXPECT_EQ(spec.process->oom_score_adj, 100);
  EXPECT_EQ(spec.root->path, "rootfs");
  EXPECT_TRUE(spec.root->readonly);
  EXPECT_EQ(spec.hostname, "box");
  ASSERT_EQ(spec.mounts.size(), 2u);
  EXPECT_THAT(spec.mounts[1].options, ElementsAre("nosuid", "mode=755"));
  ASSERT_EQ(spec.hooks.poststop.size(), 1u);
  EXPECT_EQ(spec.hooks.poststop[0].timeout, 5);
  EXPECT_EQ(spec.annotations.at("org.example.key"), "value");
  ASSERT_TRUE(spec.linux.has_value());
  const Linux& lx = *spec.linux;
  ASSERT_EQ(lx.namespaces.size(), 4u);
  EXPECT_EQ(lx.namespaces[3].type, NamespaceType::kNetwork);
  EXPECT_EQ(lx.namespaces[3].path, "/proc/1/ns/net");
  EXPECT_NE(lx.FindNamespace(NamespaceType::kUts), nullptr);
  EXPECT_EQ(lx.FindNamespace(NamespaceType::kUser), nullptr);
  ASSERT_EQ(lx.devices.size(), 1u);
  EXPECT_EQ(lx.devices[0].type, 'c');
  EXPECT_EQ(lx.devices[0].file_mode, 0666u);
  ASSERT_TRUE(lx.resources.has_value());
  EXPECT_EQ(lx.resources->memory->limit, 104857600);
  EXPECT_EQ(lx.resources->cpu->cpus, "0-1");
  EXPECT_EQ(lx.resources->pids->limit, 64);
  EXPECT_EQ(lx.resources->block_io->weight, 500);
  EXPECT_EQ(lx.resources->block_io->throttle_read_bps_device[0].rate, 1000u);
  EXPECT_EQ(lx.resources->hugepage_limits[0].page_size, "2MB");
  EXPECT_EQ(lx.resources->unified.at("memory.high"), "max");
  EXPECT_EQ(lx.resources->devices.size(), 2u);
  EXPECT_EQ(lx.sysctl.at("kernel.domainname"), "example.com");
  ASSERT_TRUE(lx.seccomp.has_value());
  EXPECT_EQ(lx.seccomp->syscalls[1].args[0].op, "SCMP_CMP_EQ");
  EXPECT_EQ(lx.rootfs_propagation, "rprivate");
  EXPECT_EQ(lx.personality->domain, "LINUX");
}

TEST(ParseSpecTest, MinimalConfig) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(R"({"ociVersion": "1.0.2-dev"})"));
  EXPECT_FALSE(spec.process.has_value());
  EXPECT_THAT(ValidateForCreate(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("process: required")));
}

TEST(ParseSpecTest, NullMeansAbsent) {
  Json j = GoodConfig();
  j["linux"]["seccomp"] = nullptr;
  j["process"]["capabilities"] = nullptr;
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(j.dump()));
  EXPECT_FALSE(spec.linux->seccomp.has_value());
  EXPECT_FALSE(spec.process->capabilities.has_value());
}

// runc and crun take a relative destination from the container's root.
TEST(ParseSpecTest, RelativeMountDestinationIsTakenFromTheRoot) {
  Json j = GoodConfig();
  j["mounts"][1]["destination"] = "etc/foo";
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(j.dump()));
  EXPECT_EQ(spec.mounts[1].destination, "/etc/foo");
  ASSERT_EQ(spec.warnings.size(), 1u);
  EXPECT_THAT(spec.warnings[0], HasSubstr("mounts[1].destination"));
}

// Podman sends a device's type bits with its permissions (020600).
TEST(ParseSpecTest, DeviceFileModeKeepsThePermissionBits) {
  Json j = GoodConfig();
  j["linux"]["devices"][0]["fileMode"] = 020600;
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(j.dump()));
  EXPECT_EQ(spec.linux->devices[0].file_mode, 0600);
}

TEST(ParseSpecTest, RejectsMalformedJson) {
  EXPECT_THAT(ParseSpec("{\"ociVersion\": "),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseSpec("[]"), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("expected object")));
}

struct BadCase {
  const char* name;
  std::function<void(Json&)> mutate;
  const char* message;
};

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, NamesTheFieldAndValue) {
  Json j = GoodConfig();
  GetParam().mutate(j);
  absl::Status status = ParseSpec(j.dump()).status();
  if (status.ok()) {
    auto spec = ParseSpec(j.dump());
    status = ValidateForCreate(*spec);
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr(GetParam().message)));
}

const BadCase kBadCases[] = {
    {"MissingVersion", [](Json& j) { j.erase("ociVersion"); },
     "ociVersion: required"},
    {"WrongVersion", [](Json& j) { j["ociVersion"] = "2.0.0"; },
     "ociVersion: unsupported version \"2.0.0\""},
    {"VersionNotString", [](Json& j) { j["ociVersion"] = 1; },
     "ociVersion: expected string, got integer 1"},
    {"ProcessNotObject", [](Json& j) { j["process"] = "sh"; },
     "process: expected object, got string \"sh\""},
    {"ArgsNotArray", [](Json& j) { j["process"]["args"] = "sh"; },
     "process.args: expected array of strings, got string \"sh\""},
    {"ArgNotString", [](Json& j) { j["process"]["args"][1] = 7; },
     "process.args[1]: expected string, got integer 7"},
    {"EmptyArgs", [](Json& j) { j["process"]["args"] = Json::array(); },
     "process.args: required"},
    {"MissingCwd", [](Json& j) { j["process"].erase("cwd"); },
     "process.cwd: required"},
    {"RelativeCwd", [](Json& j) { j["process"]["cwd"] = "home"; },
     "process.cwd: must be an absolute path, got \"home\""},
    {"MissingUser", [](Json& j) { j["process"].erase("user"); },
     "process.user: required"},
    {"MissingUid", [](Json& j) { j["process"]["user"].erase("uid"); },
     "process.user.uid: required"},
    {"NegativeUid", [](Json& j) { j["process"]["user"]["uid"] = -1; },
     "process.user.uid: value -1 is out of range"},
    {"HugeGid", [](Json& j) { j["process"]["user"]["gid"] = 1ull << 33; },
     "process.user.gid: value 8589934592 is out of range"},
    {"FloatUid", [](Json& j) { j["process"]["user"]["uid"] = 1.5; },
     "process.user.uid: expected integer, got number 1.5"},
    {"BadEnv", [](Json& j) { j["process"]["env"][1] = "NOEQUALS"; },
     "process.env[1]: expected NAME=VALUE, got \"NOEQUALS\""},
    {"UnknownCap",
     [](Json& j) { j["process"]["capabilities"]["effective"][0] = "CAP_FOO"; },
     "process.capabilities.effective[0]: unknown capability \"CAP_FOO\""},
    {"UnknownRlimit",
     [](Json& j) { j["process"]["rlimits"][0]["type"] = "RLIMIT_BOGUS"; },
     "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\""},
    {"SoftAboveHard",
     [](Json& j) { j["process"]["rlimits"][0]["soft"] = 4096; },
     "process.rlimits[0].soft: soft limit 4096 is above the hard limit 1024"},
    {"OomScoreOutOfRange", [](Json& j) { j["process"]["oomScoreAdj"] = 5000; },
     "process.oomScoreAdj: must be within [-1000, 1000], got 5000"},
    {"TerminalNotBool", [](Json& j) { j["process"]["terminal"] = "yes"; },
     "process.terminal: expected boolean, got string \"yes\""},
    {"MissingRoot", [](Json& j) { j.erase("root"); }, "root: required"},
    {"EmptyRootPath", [](Json& j) { j["root"]["path"] = ""; },
     "root.path: must not be empty"},
    {"EmptyMountDestination",
     [](Json& j) { j["mounts"][1]["destination"] = ""; },
     "mounts[1].destination: must not be empty"},
    {"DeviceModeBeyondAModeT",
     [](Json& j) { j["linux"]["devices"][0]["fileMode"] = 0200000; },
     "linux.devices[0].fileMode: not a file mode, got 65536"},
    {"MountWithoutDestination",
     [](Json& j) { j["mounts"][0].erase("destination"); },
     "mounts[0].destination: required"},
    {"MountOptionsNotStrings", [](Json& j) { j["mounts"][1]["options"] = {1}; },
     "mounts[1].options[0]: expected string, got integer 1"},
    {"RelativeHook",
     [](Json& j) { j["hooks"]["poststop"][0]["path"] = "true"; },
     "hooks.poststop[0].path: must be an absolute path, got \"true\""},
    {"ZeroHookTimeout",
     [](Json& j) { j["hooks"]["poststop"][0]["timeout"] = 0; },
     "hooks.poststop[0].timeout: must be positive, got 0"},
    {"AnnotationNotString", [](Json& j) { j["annotations"]["n"] = 3; },
     "annotations.n: expected string, got integer 3"},
    {"UnknownNamespace",
     [](Json& j) { j["linux"]["namespaces"][2]["type"] = "foo"; },
     "linux.namespaces[2].type: unknown namespace \"foo\""},
    {"DuplicateNamespace",
     [](Json& j) { j["linux"]["namespaces"][1]["type"] = "pid"; },
     "linux.namespaces[1].type: duplicate namespace \"pid\""},
    {"RelativeNamespacePath",
     [](Json& j) { j["linux"]["namespaces"][3]["path"] = "net"; },
     "linux.namespaces[3].path: must be an absolute path, got \"net\""},
    {"HostnameWithoutUts", [](Json& j) { j["linux"]["namespaces"].erase(2); },
     "hostname: setting it to \"box\" needs a \"uts\" namespace"},
    {"MappingsWithoutUserNs",
     [](Json& j) {
       j["linux"]["uidMappings"] = {
           {{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
     },
     "linux.uidMappings: needs a \"user\" namespace"},
    {"UserNsWithoutMappings",
     [](Json& j) {
       j["linux"]["namespaces"].push_back({{"type", "user"}});
     },
     "linux.uidMappings: required when a new user namespace is created"},
    {"ZeroSizeMapping",
     [](Json& j) {
       j["linux"]["uidMappings"] = {
           {{"containerID", 0}, {"hostID", 1000}, {"size", 0}}};
     },
     "linux.uidMappings[0].size: must be positive, got 0"},
    {"BadDeviceType", [](Json& j) { j["linux"]["devices"][0]["type"] = "x"; },
     "linux.devices[0].type: unknown device type \"x\""},
    {"DeviceWithoutMajor",
     [](Json& j) { j["linux"]["devices"][0].erase("major"); },
     "linux.devices[0].major: required"},
    {"RelativeDevice",
     [](Json& j) { j["linux"]["devices"][0]["path"] = "dev/fuse"; },
     "linux.devices[0].path: must be an absolute path"},
    {"NegativeMemory",
     [](Json& j) { j["linux"]["resources"]["memory"]["limit"] = -5; },
     "linux.resources.memory.limit: impossible value -5"},
    {"SwapBelowLimit",
     [](Json& j) { j["linux"]["resources"]["memory"]["swap"] = 1000; },
     "linux.resources.memory.swap: memory+swap limit 1000 is below"},
    {"Swappiness",
     [](Json& j) { j["linux"]["resources"]["memory"]["swappiness"] = 101; },
     "linux.resources.memory.swappiness: must be within [0, 100], got 101"},
    {"MemoryLimitString",
     [](Json& j) { j["linux"]["resources"]["memory"]["limit"] = "1G"; },
     "linux.resources.memory.limit: expected integer, got string \"1G\""},
    {"CpuPeriod",
     [](Json& j) { j["linux"]["resources"]["cpu"]["period"] = 10; },
     "linux.resources.cpu.period: must be within [1000, 1000000]"},
    {"CpuList", [](Json& j) { j["linux"]["resources"]["cpu"]["cpus"] = "3-1"; },
     "linux.resources.cpu.cpus: not a CPU list, got \"3-1\""},
    {"PidsNegative",
     [](Json& j) { j["linux"]["resources"]["pids"]["limit"] = -2; },
     "linux.resources.pids.limit: impossible value -2"},
    {"PidsMissingLimit",
     [](Json& j) { j["linux"]["resources"]["pids"] = Json::object(); },
     "linux.resources.pids.limit: required"},
    {"BlkioWeight",
     [](Json& j) { j["linux"]["resources"]["blockIO"]["weight"] = 5; },
     "linux.resources.blockIO.weight: must be within [10, 1000], got 5"},
    {"ThrottleRate",
     [](Json& j) {
       j["linux"]["resources"]["blockIO"]["throttleReadBpsDevice"][0].erase(
           "rate");
     },
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required"},
    {"HugepageSize",
     [](Json& j) {
       j["linux"]["resources"]["hugepageLimits"][0]["pageSize"] = "huge";
     },
     "linux.resources.hugepageLimits[0].pageSize: not a page size"},
    {"DeviceRuleAccess",
     [](Json& j) { j["linux"]["resources"]["devices"][1]["access"] = "rx"; },
     "linux.resources.devices[1].access: want a combination of r, w and m, "
     "got \"rx\""},
    {"DeviceRuleAllow",
     [](Json& j) { j["linux"]["resources"]["devices"][0].erase("allow"); },
     "linux.resources.devices[0].allow: required"},
    {"UnifiedKey",
     [](Json& j) { j["linux"]["resources"]["unified"]["../x"] = "1"; },
     "linux.resources.unified.../x: not a cgroup file name"},
    {"SysctlNeedsNetNs",
     [](Json& j) {
       j["linux"]["sysctl"]["net.ipv4.ip_forward"] = "1";
       j["linux"]["namespaces"].erase(3);
     },
     "linux.sysctl.net.ipv4.ip_forward: not allowed in the host's network "
     "namespace"},
    {"SysctlOfTheHost",
     [](Json& j) { j["linux"]["sysctl"]["vm.overcommit_ratio"] = "51"; },
     "linux.sysctl.vm.overcommit_ratio: not allowed: it is not in a "
     "namespace of the container's own"},
    {"SysctlCorePattern",
     [](Json& j) { j["linux"]["sysctl"]["kernel.core_pattern"] = "|/x"; },
     "linux.sysctl.kernel.core_pattern: not allowed"},
    {"SysctlKernelPrefixIsNotIpc",
     [](Json& j) { j["linux"]["sysctl"]["kernel.shmmaxx"] = "1"; },
     "linux.sysctl.kernel.shmmaxx: not allowed"},
    {"SysctlHostname",
     [](Json& j) { j["linux"]["sysctl"]["kernel.hostname"] = "x"; },
     "linux.sysctl.kernel.hostname: not allowed: it conflicts with the "
     "\"hostname\" field"},
    {"SysctlNeedsIpcNs",
     [](Json& j) {
       j["linux"]["sysctl"]["kernel.shmmax"] = "1";
       for (size_t i = 0; i < j["linux"]["namespaces"].size(); ++i) {
         if (j["linux"]["namespaces"][i]["type"] == "ipc") {
           j["linux"]["namespaces"].erase(i);
           break;
         }
       }
     },
     "linux.sysctl.kernel.shmmax: not allowed in the host's IPC namespace"},
    {"SeccompAction",
     [](Json& j) { j["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_NOPE"; },
     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""},
    {"SeccompArch",
     [](Json& j) {
       j["linux"]["seccomp"]["architectures"][0] = "SCMP_ARCH_Z80";
     },
     "linux.seccomp.architectures[0]: unknown architecture"},
    {"SeccompSyscallAction",
     [](Json& j) { j["linux"]["seccomp"]["syscalls"][0]["action"] = 1; },
     "linux.seccomp.syscalls[0].action: expected string, got integer 1"},
    {"SeccompOp",
     [](Json& j) {
       j["linux"]["seccomp"]["syscalls"][1]["args"][0]["op"] = "SCMP_CMP_XX";
     },
     "linux.seccomp.syscalls[1].args[0].op: unknown operator"},
    {"SeccompArgIndex",
     [](Json& j) {
       j["linux"]["seccomp"]["syscalls"][1]["args"][0]["index"] = 6;
     },
     "linux.seccomp.syscalls[1].args[0].index: must be within [0, 5], got 6"},
    {"SeccompNotifyWithoutListener",
     [](Json& j) {
       j["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
     },
     "linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY"},
    {"Propagation",
     [](Json& j) { j["linux"]["rootfsPropagation"] = "sideways"; },
     "linux.rootfsPropagation: unknown propagation \"sideways\""},
    {"MaskedRelative",
     [](Json& j) { j["linux"]["maskedPaths"].push_back("proc/x"); },
     "linux.maskedPaths[1]: must be an absolute path, got \"proc/x\""},
    {"ReadonlyNotString",
     [](Json& j) { j["linux"]["readonlyPaths"][0] = false; },
     "linux.readonlyPaths[0]: expected string, got boolean false"},
    {"Personality",
     [](Json& j) { j["linux"]["personality"]["domain"] = "BSD"; },
     "linux.personality.domain: unknown domain \"BSD\""},
    {"IntelRdtClosId", [](Json& j) { j["linux"]["intelRdt"]["closID"] = 5; },
     "linux.intelRdt.closID: expected string, got integer 5"},
    {"LinuxNotObject", [](Json& j) { j["linux"] = Json::array(); },
     "linux: expected object, got array"},
};

INSTANTIATE_TEST_SUITE_P(All, BadConfigTest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(CapabilityTest, NamesRoundTrip) {
  EXPECT_EQ(CapabilityFromName("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(CapabilityName(21), "CAP_SYS_ADMIN");
  EXPECT_EQ(LastCapability(), 40);
  EXPECT_FALSE(CapabilityFromName("CAP_NOPE").has_value());
  EXPECT_EQ(CapabilityName(99), "");
}

TEST(NamespaceTest, NamesRoundTrip) {
  for (NamespaceType t : AllNamespaceTypes()) {
    EXPECT_EQ(NamespaceTypeFromName(NamespaceTypeName(t)), t);
  }
  EXPECT_FALSE(NamespaceTypeFromName("foo").has_value());
}

}  // namespace
}  // namespace crate::oci
