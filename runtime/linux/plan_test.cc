#include "runtime/linux/plan.h"

#include <sched.h>
#include <sys/mount.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/oci/spec.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

oci::Spec Parse(const std::string& json) {
  auto spec = oci::ParseSpec(json);
  EXPECT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(oci::ValidateForCreate(*spec).ok());
  return *spec;
}

constexpr char kBase[] = R"json({
  "ociVersion": "1.1.0",
  "process": {"user": {"uid": 1000, "gid": 1000, "additionalGids": [10]},
              "args": ["/bin/true"], "cwd": "/work",
              "env": ["PATH=/bin"], "noNewPrivileges": true},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "h",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/data", "type": "bind", "source": "data",
     "options": ["rbind", "ro", "rprivate"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["ro"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                   {"type": "network", "path": "/run/netns/x"},
                   {"type": "ipc"}],
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                 "fileMode": 384, "uid": 5},
                {"path": "/dev/null", "type": "c", "major": 1, "minor": 3,
                 "fileMode": 432}],
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "rootfsPropagation": "rprivate"
  }
})json";

TEST(PlanTest, NamespacesAndRoot) {
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan,
                       MakePlan(Parse(kBase), {.bundle = "/b"}));
  EXPECT_EQ(plan.clone_flags,
            CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC);
  ASSERT_EQ(plan.joins.size(), 1u);
  EXPECT_EQ(plan.joins[0].type, oci::NamespaceType::kNetwork);
  EXPECT_EQ(plan.joins[0].path, "/run/netns/x");
  EXPECT_TRUE(plan.mount_namespace);
  EXPECT_EQ(plan.rootfs, "/b/rootfs");
  EXPECT_TRUE(plan.rootfs_readonly);
  EXPECT_EQ(plan.rootfs_propagation, MS_PRIVATE | MS_REC);
  EXPECT_TRUE(plan.pivot_root);
  EXPECT_EQ(plan.hostname, "h");
  EXPECT_THAT(plan.masked_paths, ElementsAre("/proc/kcore"));
  EXPECT_THAT(plan.readonly_paths, ElementsAre("/proc/sys"));
}

TEST(PlanTest, MountsInOrderWithFlags) {
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan,
                       MakePlan(Parse(kBase), {.bundle = "/b"}));
  ASSERT_EQ(plan.mounts.size(), 5u);
  const MountStep& proc = plan.mounts[0];
  EXPECT_EQ(proc.destination, "/proc");
  EXPECT_EQ(proc.fstype, "proc");
  EXPECT_FALSE(proc.bind);
  const MountStep& dev = plan.mounts[1];
  EXPECT_EQ(dev.flags, MS_NOSUID | MS_STRICTATIME);
  EXPECT_EQ(dev.data, "mode=755,size=65536k");
  const MountStep& data = plan.mounts[2];
  EXPECT_TRUE(data.bind);
  EXPECT_EQ(data.source, "/b/data");  // Relative to the bundle.
  EXPECT_EQ(data.flags, MS_BIND | MS_REC | MS_RDONLY);
  EXPECT_TRUE(data.remount_after_bind);
  EXPECT_EQ(data.propagation, MS_PRIVATE);
  EXPECT_TRUE(data.propagation_recursive);
  const MountStep& sys = plan.mounts[3];
  EXPECT_EQ(sys.fstype, "sysfs");
  EXPECT_FALSE(sys.sysfs_bind_fallback);
  EXPECT_EQ(sys.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
  const MountStep& cg = plan.mounts[4];
  EXPECT_TRUE(cg.cgroup_bind_fallback);
  EXPECT_TRUE(cg.bind);
  EXPECT_EQ(cg.source, "/sys/fs/cgroup");
  EXPECT_EQ(cg.recursive_set, MS_RDONLY);
}

TEST(PlanTest, CgroupMountOnUnifiedHost) {
  ASSERT_OK_AND_ASSIGN(
      LaunchPlan plan,
      MakePlan(Parse(kBase), {.bundle = "/b", .host_cgroup_v2 = true}));
  EXPECT_EQ(plan.mounts[4].fstype, "cgroup2");
  EXPECT_FALSE(plan.mounts[4].bind);
}

TEST(PlanTest, CgroupNamespaceMountsHierarchies) {
  std::string json = kBase;
  const std::string ipc = R"({"type": "ipc"})";
  json.replace(json.find(ipc), ipc.size(), ipc + R"(, {"type": "cgroup"})");
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan,
                       MakePlan(Parse(json), {.bundle = "/b"}));
  EXPECT_TRUE(plan.clone_flags & CLONE_NEWCGROUP);
  EXPECT_TRUE(plan.mounts[4].cgroup_bind_fallback);
  EXPECT_TRUE(plan.mounts[4].cgroup_mount_hierarchies);
  ASSERT_OK_AND_ASSIGN(LaunchPlan without,
                       MakePlan(Parse(kBase), {.bundle = "/b"}));
  EXPECT_FALSE(without.mounts[4].cgroup_mount_hierarchies);
}

TEST(PlanTest, DefaultDevicesAndConfiguredOnes) {
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan,
                       MakePlan(Parse(kBase), {.bundle = "/b"}));
  std::vector<std::string> paths;
  for (const DeviceStep& d : plan.devices) paths.push_back(d.path);
  EXPECT_THAT(paths,
              ElementsAre("/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                          "/dev/urandom", "/dev/tty", "/dev/fuse"));
  // The configured /dev/null replaces the default one.
  EXPECT_EQ(plan.devices[0].mode, 0660u);
  const DeviceStep& fuse = plan.devices[6];
  EXPECT_EQ(fuse.major, 10u);
  EXPECT_EQ(fuse.minor, 229u);
  EXPECT_EQ(fuse.mode, 0600u);
  EXPECT_EQ(fuse.uid, 5u);
  EXPECT_FALSE(fuse.bind_from_host);
  EXPECT_THAT(plan.symlinks, ::testing::Contains(::testing::AllOf(
                                 Field(&SymlinkStep::link, "/dev/ptmx"),
                                 Field(&SymlinkStep::target, "pts/ptmx"))));
  EXPECT_EQ(plan.symlinks.size(), 5u);
}

TEST(PlanTest, BoundDevLeavesDevicesAlone) {
  auto j = std::string(kBase);
  oci::Spec spec = Parse(kBase);
  spec.mounts[1] = {"/dev", "bind", "/dev", {"rbind"}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_THAT(plan.devices, IsEmpty());
  EXPECT_THAT(plan.symlinks, IsEmpty());
}

TEST(PlanTest, UserNamespaceBindsDevicesAndSysfs) {
  oci::Spec spec = Parse(kBase);
  spec.linux->namespaces.push_back({oci::NamespaceType::kUser, ""});
  spec.linux->uid_mappings = {{0, 1000, 1}};
  spec.linux->gid_mappings = {{0, 1000, 1}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_TRUE(plan.clone_flags & CLONE_NEWUSER);
  ASSERT_EQ(plan.uid_mappings.size(), 1u);
  EXPECT_EQ(plan.uid_mappings[0].host_id, 1000u);
  for (const DeviceStep& d : plan.devices) EXPECT_TRUE(d.bind_from_host);
  // The network namespace is joined, not new: sysfs cannot be mounted.
  EXPECT_TRUE(plan.mounts[3].sysfs_bind_fallback);
  EXPECT_EQ(plan.mounts[3].source, "/sys");
  EXPECT_EQ(plan.mounts[3].recursive_set, MS_RDONLY);
}

TEST(PlanTest, JoinsUserFirstMountLast) {
  oci::Spec spec = Parse(kBase);
  spec.linux->namespaces = {{oci::NamespaceType::kMount, "/proc/1/ns/mnt"},
                            {oci::NamespaceType::kIpc, "/proc/1/ns/ipc"},
                            {oci::NamespaceType::kUser, "/proc/1/ns/user"},
                            {oci::NamespaceType::kUts, ""}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  ASSERT_EQ(plan.joins.size(), 3u);
  EXPECT_EQ(plan.joins[0].type, oci::NamespaceType::kUser);
  EXPECT_EQ(plan.joins[1].type, oci::NamespaceType::kIpc);
  EXPECT_EQ(plan.joins[2].type, oci::NamespaceType::kMount);
  EXPECT_EQ(plan.clone_flags, CLONE_NEWUTS);
  EXPECT_TRUE(plan.mount_namespace);
  EXPECT_THAT(plan.uid_mappings, IsEmpty());  // Joined, not created.
}

TEST(PlanTest, ProcessAndDefaults) {
  oci::Spec spec = Parse(kBase);
  spec.linux->rootfs_propagation.clear();
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan,
                       MakePlan(spec, {.bundle = "/b", .no_pivot = true}));
  EXPECT_EQ(plan.rootfs_propagation, MS_SLAVE | MS_REC);
  EXPECT_FALSE(plan.pivot_root);
  EXPECT_THAT(plan.process.args, ElementsAre("/bin/true"));
  EXPECT_EQ(plan.process.uid, 1000u);
  EXPECT_THAT(plan.process.additional_gids, ElementsAre(10u));
  EXPECT_EQ(plan.process.cwd, "/work");
  EXPECT_TRUE(plan.process.no_new_privileges);
}

TEST(PlanTest, NoMountNamespaceNoRootfsSetup) {
  oci::Spec spec = Parse(kBase);
  spec.linux->namespaces = {{oci::NamespaceType::kUts, ""}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_FALSE(plan.mount_namespace);
  EXPECT_THAT(plan.masked_paths, IsEmpty());
}

TEST(PlanTest, IoPriorityAndPersonality) {
  oci::Spec spec = Parse(kBase);
  spec.process->io_priority = oci::IoPriority{"IOPRIO_CLASS_BE", 4};
  spec.linux->personality = oci::Personality{"LINUX32", {}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_EQ(plan.process.io_priority, (2 << 13) | 4);
  EXPECT_EQ(plan.process.personality, 0x0008u);  // PER_LINUX32
}

TEST(PlanTest, PersonalityFlags) {
  oci::Spec spec = Parse(kBase);
  spec.linux->personality =
      oci::Personality{"LINUX", {"ADDR_NO_RANDOMIZE", "UNAME26"}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_EQ(plan.process.personality, 0x0040000u | 0x0020000u);

  spec.linux->personality = oci::Personality{"LINUX", {"NO_SUCH_FLAG"}};
  EXPECT_THAT(MakePlan(spec, {.bundle = "/b"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("linux.personality.flags[0]: unknown flag "
                                 "\"NO_SUCH_FLAG\"")));
}

TEST(PlanTest, IdmappedMounts) {
  oci::Spec spec = Parse(kBase);
  spec.mounts.push_back(
      {"/data", "bind", "src", {"rbind"}, {{1000, 0, 1}}, {{1000, 0, 1}}});
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  const MountStep& m = plan.mounts.back();
  EXPECT_TRUE(m.idmap);
  EXPECT_EQ(m.source, "/b/src");
  ASSERT_EQ(m.idmap_uids.size(), 1u);
  EXPECT_EQ(m.idmap_uids[0].container_id, 1000u);
  EXPECT_EQ(m.idmap_gids[0].host_id, 0u);

  // "idmap" takes the container's maps; without any it is refused.
  spec.mounts.back() = {"/data", "bind", "src", {"rbind", "idmap"}};
  EXPECT_THAT(MakePlan(spec, {.bundle = "/b"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs both uidMappings and gidMappings")));
  spec.linux->uid_mappings = {{0, 100000, 65536}};
  spec.linux->gid_mappings = {{0, 100000, 65536}};
  ASSERT_OK_AND_ASSIGN(plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_EQ(plan.mounts.back().idmap_uids[0].host_id, 100000u);

  // "idmap" maps the mount, "ridmap" its submounts too; the clone's
  // recursion is rbind's.
  EXPECT_FALSE(plan.mounts.back().idmap_recursive);
  EXPECT_TRUE(plan.mounts.back().flags & MS_REC);
  spec.mounts.back() = {"/data", "bind", "src", {"bind", "ridmap"}};
  ASSERT_OK_AND_ASSIGN(plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_TRUE(plan.mounts.back().idmap_recursive);
  EXPECT_FALSE(plan.mounts.back().flags & MS_REC);

  // Any file system type, made by the runtime (which decides nothing about
  // the type: the kernel says which it can idmap).
  spec.mounts.back() = {"/t", "tmpfs", "tmpfs", {"idmap", "nosuid", "size=1m"}};
  ASSERT_OK_AND_ASSIGN(plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_TRUE(plan.mounts.back().idmap);
  EXPECT_FALSE(plan.mounts.back().bind);
  EXPECT_FALSE(plan.mounts.back().idmap_in_init);
  EXPECT_EQ(plan.mounts.back().flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(plan.mounts.back().data, "size=1m");
  EXPECT_EQ(plan.mounts.back().idmap_uids[0].host_id, 100000u);
}

// Rootless, the kernel lets the runtime idmap only a file system of the
// container's user namespace: binds of host directories are refused before
// anything exists, others are left to the init with container IDs.
TEST(PlanTest, UnprivilegedIdmappedMounts) {
  oci::Spec spec = Parse(kBase);
  spec.linux->namespaces.push_back({oci::NamespaceType::kUser, ""});
  spec.linux->uid_mappings = {{0, 1000, 1}, {1, 100000, 65536}};
  spec.linux->gid_mappings = {{0, 1000, 1}, {1, 100000, 65536}};
  PlanOptions rootless{.bundle = "/b", .unprivileged = true};

  spec.mounts.push_back({"/data", "bind", "src", {"rbind", "idmap"}});
  EXPECT_THAT(
      MakePlan(spec, rootless).status(),
      StatusIs(absl::StatusCode::kPermissionDenied,
               AllOf(HasSubstr("mounts[5]: an idmapped bind of /b/src needs "
                               "CAP_SYS_ADMIN in the user namespace owning"),
                     HasSubstr("unprivileged"))));

  spec.mounts.back() = {"/t", "tmpfs", "tmpfs", {"ridmap"}};
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, rootless));
  const MountStep& m = plan.mounts.back();
  EXPECT_TRUE(m.idmap_in_init);
  EXPECT_TRUE(m.idmap_recursive);
  // The container's own maps, seen from inside: the identity.
  EXPECT_THAT(m.idmap_uids,
              ElementsAre(AllOf(Field(&oci::IdMapping::container_id, 0u),
                                Field(&oci::IdMapping::host_id, 0u),
                                Field(&oci::IdMapping::size, 1u)),
                          AllOf(Field(&oci::IdMapping::container_id, 1u),
                                Field(&oci::IdMapping::host_id, 1u),
                                Field(&oci::IdMapping::size, 65536u))));

  // The mount's own maps: on-disk 0..9 seen as host 100005.. = inside 6..
  spec.mounts.back().uid_mappings = {{0, 100005, 10}};
  spec.mounts.back().gid_mappings = {{0, 1000, 1}};
  ASSERT_OK_AND_ASSIGN(plan, MakePlan(spec, rootless));
  ASSERT_EQ(plan.mounts.back().idmap_uids.size(), 1u);
  EXPECT_EQ(plan.mounts.back().idmap_uids[0].host_id, 6u);
  EXPECT_EQ(plan.mounts.back().idmap_gids[0].host_id, 0u);

  // A host ID the container does not have cannot be used.
  spec.mounts.back().uid_mappings = {{0, 0, 1}};
  EXPECT_THAT(MakePlan(spec, rootless).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mounts[5].uidMappings: host ID 0 is not "
                                 "mapped in the container's user namespace")));

  // Nor without a user namespace of the container's own.
  spec.mounts.back().uid_mappings = {{0, 1000, 1}};
  spec.linux->namespaces.pop_back();
  spec.linux->uid_mappings.clear();
  spec.linux->gid_mappings.clear();
  EXPECT_THAT(MakePlan(spec, rootless).status(),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("only in the container's own new user "
                                 "namespace")));
}

TEST(PlanTest, ToInnerIdsSplitsWhereTheOuterMapDoes) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<oci::IdMapping> in,
      ToInnerIds({{0, 1000, 3}}, {{0, 999, 2}, {2, 1001, 1}, {10, 1002, 5}}));
  // 1000 -> 1, 1001 -> 2, 1002 -> 10: three extents.
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(in[0].container_id, 0u);
  EXPECT_EQ(in[0].host_id, 1u);
  EXPECT_EQ(in[0].size, 1u);
  EXPECT_EQ(in[1].container_id, 1u);
  EXPECT_EQ(in[1].host_id, 2u);
  EXPECT_EQ(in[2].container_id, 2u);
  EXPECT_EQ(in[2].host_id, 10u);
  EXPECT_EQ(in[2].size, 1u);
  ASSERT_OK_AND_ASSIGN(
      in, ToInnerIds({{0, 100000, 65536}}, {{0, 1000, 1}, {1, 100000, 65536}}));
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].host_id, 1u);
  EXPECT_EQ(in[0].size, 65536u);
  EXPECT_THAT(ToInnerIds({{0, 100000, 65537}}, {{1, 100000, 65536}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("host ID 165536 is not mapped")));
}

// A confinement the host cannot give fails create; an unlabelled mount is
// what runc and crun make without SELinux too, so that one only warns.
TEST(PlanTest, LsmLabelsWithoutTheLsmAreErrors) {
  oci::Spec spec = Parse(kBase);
  spec.process->apparmor_profile = "crate-default";
  EXPECT_THAT(MakePlan(spec, {.bundle = "/b"}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("process.apparmorProfile \"crate-default\": "
                                 "AppArmor is not enabled on this host")));
  spec.process->apparmor_profile.clear();
  spec.process->selinux_label = "system_u:system_r:container_t:s0";
  EXPECT_THAT(MakePlan(spec, {.bundle = "/b"}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("process.selinuxLabel")));
  spec.process->selinux_label.clear();
  spec.linux->mount_label = "system_u:object_r:container_file_t:s0";
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_THAT(plan.warnings[0], HasSubstr("linux.mountLabel"));

  spec.process->apparmor_profile = "crate-default";
  spec.process->selinux_label = "system_u:system_r:container_t:s0";
  ASSERT_OK_AND_ASSIGN(plan, MakePlan(spec, {.bundle = "/b",
                                             .host_apparmor = true,
                                             .host_selinux = true}));
  EXPECT_THAT(plan.warnings, IsEmpty());
  EXPECT_EQ(plan.process.apparmor_profile, "crate-default");
  EXPECT_EQ(plan.process.selinux_label, "system_u:system_r:container_t:s0");
}

TEST(PlanTest, CapabilitiesBeyondTheRuntimesBoundingSetAreRefused) {
  oci::Spec spec = Parse(kBase);
  spec.process->capabilities.emplace();
  spec.process->capabilities->bounding = {0, 24};  // CAP_SYS_RESOURCE
  PlanOptions options{.bundle = "/b"};
  EXPECT_OK(MakePlan(spec, options).status());
  options.capability_bounding = ~(uint64_t{1} << 24);
  EXPECT_THAT(MakePlan(spec, options).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("process.capabilities.bounding: "
                                 "CAP_SYS_RESOURCE is not in this host's "
                                 "capability bounding set")));
}

TEST(PlanTest, MoreGroupsThanTheKernelTakesAreRefused) {
  oci::Spec spec = Parse(kBase);
  spec.process->user.additional_gids.assign(70000, 5);
  EXPECT_THAT(MakePlan(spec, {.bundle = "/b"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("process.user.additionalGids: 70000 groups, "
                                 "more than the kernel's limit of 65536")));
}

TEST(PlanTest, AbsoluteRootIsKept) {
  oci::Spec spec = Parse(kBase);
  spec.root->path = "/srv/root";
  ASSERT_OK_AND_ASSIGN(LaunchPlan plan, MakePlan(spec, {.bundle = "/b"}));
  EXPECT_EQ(plan.rootfs, "/srv/root");
}

}  // namespace
}  // namespace crate::linux
