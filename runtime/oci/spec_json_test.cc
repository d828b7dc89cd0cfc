#include "runtime/oci/spec_json.h"

#include <nlohmann/json.hpp>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/oci/features.h"
#include "runtime/oci/spec.h"

namespace crate::oci {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

// Every field ParseSpec reads, each with a value other than its default,
// written the way SpecToJson writes it (nothing empty, nothing null), so
// that the round trip must give back this very document.
constexpr char kFullConfig[] = R"json({
  "ociVersion": "1.1.0",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 1000, "gid": 100, "umask": 18,
             "additionalGids": [5, 6], "username": "app"},
    "args": ["sh", "-c", "echo hi"],
    "commandLine": "sh -c \"echo hi\"",
    "env": ["PATH=/bin", "EMPTY=", "UTF8=\u00e9t\u00e9"],
    "cwd": "/work",
    "capabilities": {
      "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE",
                   "CAP_CHECKPOINT_RESTORE"],
      "effective": ["CAP_KILL"],
      "inheritable": ["CAP_CHOWN"],
      "permitted": ["CAP_KILL", "CAP_SYS_ADMIN"],
      "ambient": ["CAP_KILL"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512},
                {"type": "RLIMIT_CORE", "hard": 18446744073709551615,
                 "soft": 0}],
    "noNewPrivileges": true,
    "apparmorProfile": "crate-default",
    "oomScoreAdj": -100,
    "selinuxLabel": "system_u:system_r:container_t:s0",
    "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
    "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 3,
                  "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 1000,
                  "deadline": 2000, "period": 3000}
  },
  "root": {"path": "/var/lib/crate/containers/x/rootfs", "readonly": true},
  "hostname": "box",
  "domainname": "example.com",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/data", "type": "bind", "source": "/srv/data",
     "options": ["rbind", "ro"],
     "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
     "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}]},
    {"destination": "/mnt"}
  ],
  "hooks": {
    "prestart": [{"path": "/bin/a"}],
    "createRuntime": [{"path": "/bin/b", "args": ["b", "1"]}],
    "createContainer": [{"path": "/bin/c", "env": ["X=1"]}],
    "startContainer": [{"path": "/bin/d", "timeout": 3}],
    "poststart": [{"path": "/bin/e"}],
    "poststop": [{"path": "/bin/true", "args": ["true"], "env": ["A=b"],
                  "timeout": 5}]
  },
  "annotations": {"org.example.key": "value", "org.example.empty": ""},
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": 100, "size": 1},
                    {"containerID": 1, "hostID": 100000, "size": 65536}],
    "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4096"},
    "resources": {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 1, "minor": 3,
                   "access": "rw"},
                  {"allow": true, "type": "b", "major": -1, "minor": -1,
                   "access": "m"}],
      "memory": {"limit": 104857600, "reservation": 52428800,
                 "swap": 209715200, "kernel": -1, "kernelTCP": 1048576,
                 "swappiness": 10, "disableOOMKiller": false,
                 "useHierarchy": true, "checkBeforeUpdate": true},
      "cpu": {"shares": 512, "quota": -1, "burst": 1000, "period": 100000,
              "realtimeRuntime": 950000, "realtimePeriod": 1000000,
              "cpus": "0-1,3", "mems": "0", "idle": 1},
      "pids": {"limit": -1},
      "blockIO": {
        "weight": 500, "leafWeight": 300,
        "weightDevice": [{"major": 8, "minor": 0, "weight": 100,
                          "leafWeight": 50},
                         {"major": 8, "minor": 16}],
        "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1000}],
        "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2000}],
        "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 30}],
        "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 40}]
      },
      "hugepageLimits": [{"pageSize": "2MB", "limit": 0},
                         {"pageSize": "1GB", "limit": 1073741824}],
      "network": {"classID": 1048577,
                  "priorities": [{"name": "eth0", "priority": 500}]},
      "unified": {"memory.high": "max", "io.weight": "default 100"}
    },
    "cgroupsPath": "/crate/box",
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                   {"type": "ipc"}, {"type": "user"}, {"type": "cgroup"},
                   {"type": "time"},
                   {"type": "network", "path": "/var/run/netns/x"}],
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                 "fileMode": 438, "uid": 0, "gid": 0},
                {"path": "/dev/sda", "type": "b", "major": 8, "minor": 0},
                {"path": "/dev/fifo", "type": "p", "major": 0, "minor": 0}],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "listenerPath": "/run/seccomp.sock",
      "listenerMetadata": "meta",
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288,
                   "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                  {"index": 1, "value": 1, "valueTwo": 4,
                   "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        {"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}
      ]
    },
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:container_file_t:s0",
    "intelRdt": {"closID": "guaranteed", "l3CacheSchema": "L3:0=ff",
                 "memBwSchema": "MB:0=50", "enableCMT": true,
                 "enableMBM": true},
    "personality": {"domain": "LINUX32", "flags": ["UNAME26"]},
    "timeOffsets": {"monotonic": {"secs": 86400}, "boottime": {"secs": -5}}
  }
})json";

// runtime/oci/spec_test.cc's config, with what the parser corrects: a
// device mode with its type bits, a relative mount destination, empty and
// null members, a property this model does not know.
constexpr char kGoodConfig[] = R"json({
  "ociVersion": "1.0.2",
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
    "oomScoreAdj": 100,
    "apparmorProfile": null
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "etc/foo", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "mode=755"]}
  ],
  "hooks": {"poststop": [{"path": "/bin/true", "args": ["true"], "timeout": 5}],
            "prestart": []},
  "annotations": {"org.example.key": "value"},
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                   {"type": "network", "path": "/proc/1/ns/net"},
                   {"type": "time"}],
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                 "fileMode": 8630}],
    "cgroupsPath": "/crate/box",
    "resources": {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 1, "minor": 3,
                   "access": "rw"}],
      "memory": {"limit": 104857600, "swap": 209715200, "swappiness": 10},
      "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1"},
      "pids": {"limit": 64},
      "blockIO": {"weight": 500,
                  "throttleReadBpsDevice": [{"major": 8, "minor": 0,
                                             "rate": 1000}]},
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
    "personality": {"domain": "LINUX"},
    "timeOffsets": {"monotonic": {"secs": 1, "nanosecs": 0}}
  },
  "someFutureField": {"ignored": true}
})json";

// ParseSpec(SpecToJson(spec)), which must succeed.
Spec RoundTrip(const Spec& spec) {
  absl::StatusOr<Spec> again = ParseSpec(SpecToJson(spec));
  EXPECT_OK(again);
  return again.ok() ? *std::move(again) : Spec{};
}

TEST(SpecToJsonTest, WritesEveryFieldTheParserReads) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(kFullConfig));
  Json written = Json::parse(SpecToJson(spec));
  // Objects compare member by member whatever their order; a field left
  // out, renamed or changed shows up in the diff.
  EXPECT_EQ(written, Json::parse(kFullConfig))
      << Json::diff(Json::parse(kFullConfig), written).dump(2);
}

TEST(SpecToJsonTest, FullConfigRoundTrips) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(kFullConfig));
  Spec again = RoundTrip(spec);
  EXPECT_EQ(SpecToJson(again), SpecToJson(spec));
  // Spot checks on the parsed values, not only on their serialisation.
  ASSERT_TRUE(again.process.has_value());
  EXPECT_TRUE(again.process->terminal);
  EXPECT_EQ(again.process->console_size->width, 80u);
  EXPECT_EQ(again.process->user.umask, 18u);
  EXPECT_EQ(again.process->user.username, "app");
  EXPECT_THAT(again.process->capabilities->bounding, ElementsAre(5, 10, 40));
  EXPECT_THAT(again.process->capabilities->inheritable, ElementsAre(0));
  EXPECT_EQ(again.process->rlimits[1].hard, UINT64_MAX);
  EXPECT_EQ(again.process->oom_score_adj, -100);
  EXPECT_EQ(again.process->io_priority->priority, 4);
  EXPECT_EQ(again.process->scheduler->nice, -5);
  EXPECT_EQ(again.process->scheduler->deadline, 2000u);
  EXPECT_EQ(again.domainname, "example.com");
  EXPECT_EQ(again.mounts[1].uid_mappings[0].host_id, 100000u);
  EXPECT_EQ(again.mounts[2].type, "");
  EXPECT_EQ(again.hooks.start_container[0].timeout, 3);
  EXPECT_EQ(again.annotations.at("org.example.empty"), "");
  const Linux& lx = *again.linux;
  EXPECT_EQ(lx.gid_mappings[1].size, 65536u);
  EXPECT_EQ(lx.namespaces[7].type, NamespaceType::kNetwork);
  EXPECT_EQ(lx.namespaces[7].path, "/var/run/netns/x");
  EXPECT_EQ(lx.devices[2].type, 'p');
  EXPECT_EQ(lx.devices[0].uid, 0u);
  EXPECT_EQ(lx.resources->devices[2].major, -1);
  EXPECT_EQ(lx.resources->memory->disable_oom_killer, false);
  EXPECT_EQ(lx.resources->memory->kernel, -1);
  EXPECT_EQ(lx.resources->cpu->quota, -1);
  EXPECT_EQ(lx.resources->cpu->idle, 1);
  EXPECT_EQ(lx.resources->pids->limit, -1);
  EXPECT_EQ(lx.resources->block_io->weight_device[0].leaf_weight, 50);
  EXPECT_FALSE(lx.resources->block_io->weight_device[1].weight.has_value());
  EXPECT_EQ(lx.resources->block_io->throttle_write_iops_device[0].rate, 40u);
  EXPECT_EQ(lx.resources->network->class_id, 1048577u);
  EXPECT_EQ(lx.resources->network->priorities[0].name, "eth0");
  EXPECT_EQ(lx.seccomp->syscalls[2].args[1].value_two, 4u);
  EXPECT_EQ(lx.seccomp->syscalls[3].errno_ret, 38u);
  EXPECT_EQ(lx.seccomp->listener_metadata, "meta");
  EXPECT_EQ(lx.mount_label, "system_u:object_r:container_file_t:s0");
  EXPECT_TRUE(lx.intel_rdt->enable_mbm);
  EXPECT_THAT(lx.personality->flags, ElementsAre("UNAME26"));
  EXPECT_EQ(lx.time_offsets_secs.at("boottime"), -5);
}

TEST(SpecToJsonTest, GoodConfigRoundTripsWithTheParsersCorrections) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(kGoodConfig));
  ASSERT_EQ(spec.warnings.size(), 1u);
  std::string json = SpecToJson(spec);
  Spec again = RoundTrip(spec);
  EXPECT_EQ(SpecToJson(again), json);
  EXPECT_OK(ValidateForCreate(again));
  // What was corrected is written corrected, so it is not reported again.
  EXPECT_TRUE(again.warnings.empty());
  EXPECT_EQ(again.mounts[1].destination, "/etc/foo");
  EXPECT_EQ(again.linux->devices[0].file_mode, 0666u);
  EXPECT_EQ(again.oci_version, "1.0.2");
  EXPECT_FALSE(again.process->terminal);
  EXPECT_THAT(again.process->capabilities->effective, ElementsAre(5));
  EXPECT_TRUE(again.process->capabilities->ambient.empty());
  EXPECT_EQ(again.linux->resources->cpu->quota, 50000);
  EXPECT_EQ(again.linux->time_offsets_secs.at("monotonic"), 1);
  // Left out as runc leaves them out.
  Json j = Json::parse(json);
  EXPECT_FALSE(j["process"].contains("terminal"));
  EXPECT_FALSE(j["process"].contains("apparmorProfile"));
  EXPECT_FALSE(j["process"]["capabilities"].contains("ambient"));
  EXPECT_FALSE(j["hooks"].contains("prestart"));
  EXPECT_FALSE(j.contains("someFutureField"));
  EXPECT_FALSE(j.contains("domainname"));
  EXPECT_THAT(json, Not(HasSubstr("null")));
  EXPECT_THAT(json, Not(HasSubstr("[]")));
}

TEST(SpecToJsonTest, DefaultSpecsRoundTrip) {
  for (bool rootless : {false, true}) {
    SCOPED_TRACE(rootless ? "rootless" : "rootful");
    std::string original = DefaultSpecJson(rootless, 1000, 1000);
    ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(original));
    Spec again = RoundTrip(spec);
    EXPECT_EQ(SpecToJson(again), SpecToJson(spec));
    EXPECT_OK(ValidateForCreate(again));
    // DefaultSpecJson writes nothing empty, so the documents are equal too.
    EXPECT_EQ(Json::parse(SpecToJson(spec)), Json::parse(original));
    EXPECT_EQ(again.mounts.size(), spec.mounts.size());
    EXPECT_EQ(again.linux->namespaces.size(), spec.linux->namespaces.size());
    EXPECT_EQ(again.linux->FindNamespace(NamespaceType::kUser) != nullptr,
              rootless);
    EXPECT_EQ(again.process->capabilities->ambient,
              spec.process->capabilities->ambient);
  }
}

TEST(SpecToJsonTest, MinimalSpecIsMinimal) {
  Spec spec;
  spec.oci_version = "1.1.0";
  EXPECT_EQ(SpecToJson(spec, /*pretty=*/false), R"({"ociVersion":"1.1.0"})");
  // Set but empty optionals stay set.
  spec.linux.emplace();
  spec.linux->resources.emplace();
  spec.linux->resources->memory.emplace();
  EXPECT_EQ(SpecToJson(spec, false),
            R"({"ociVersion":"1.1.0","linux":{"resources":{"memory":{}}}})");
  Spec again = RoundTrip(spec);
  ASSERT_TRUE(again.linux.has_value());
  ASSERT_TRUE(again.linux->resources.has_value());
  EXPECT_TRUE(again.linux->resources->memory.has_value());
  EXPECT_FALSE(again.linux->resources->cpu.has_value());
}

TEST(SpecToJsonTest, PrettyAndCompactHoldTheSameDocument) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(kFullConfig));
  std::string pretty = SpecToJson(spec);
  std::string compact = SpecToJson(spec, /*pretty=*/false);
  EXPECT_THAT(pretty, HasSubstr("\n    \"process\""));
  EXPECT_THAT(compact, Not(HasSubstr("\n")));
  EXPECT_EQ(Json::parse(pretty), Json::parse(compact));
}

// A spec built in memory may carry bytes that are not UTF-8; the document
// must still be JSON that ParseSpec reads.
TEST(SpecToJsonTest, ReplacesBytesThatAreNotUtf8) {
  ASSERT_OK_AND_ASSIGN(Spec spec, ParseSpec(kFullConfig));
  spec.process->env.push_back("BAD=\xff\xfe");
  Spec again = RoundTrip(spec);
  EXPECT_EQ(again.process->env.back(), "BAD=\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace crate::oci
