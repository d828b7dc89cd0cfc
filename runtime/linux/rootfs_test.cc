#include "runtime/linux/rootfs.h"

#include <errno.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/plan.h"
#include "runtime/linux/recording_kernel.h"
#include "runtime/oci/spec.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The mount sequence of a typical spec, checked without privileges: the
// kernel calls are recorded, the directories are made in a temporary tree.
class RootfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(bundle_, MakeTempDir("rootfs_test"));
    ASSERT_OK(MakeDirs(JoinPath(bundle_, "rootfs")));
    ASSERT_OK(MakeDirs(JoinPath(bundle_, "data")));
    rootfs_ = JoinPath(bundle_, "rootfs");
  }
  void TearDown() override { ASSERT_OK(RemoveTree(bundle_)); }

  LaunchPlan Plan(const std::string& json) {
    auto spec = oci::ParseSpec(json);
    EXPECT_TRUE(spec.ok()) << spec.status();
    PlanOptions o;
    o.bundle = bundle_;
    auto plan = MakePlan(*spec, o);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return *plan;
  }

  std::string bundle_, rootfs_;
};

constexpr char kSpec[] = R"json({
  "ociVersion": "1.1.0",
  "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/w"},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "h",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "mode=755"]},
    {"destination": "/data", "type": "bind", "source": "data",
     "options": ["rbind", "ro", "rprivate"]}
  ],
  "linux": {"namespaces": [{"type": "mount"}, {"type": "uts"}],
            "devices": [{"path": "/dev/fuse", "type": "c", "major": 10,
                         "minor": 229, "fileMode": 384, "uid": 7}]}
})json";

// An idmapped bind is the tree the runtime prepared, moved onto the pinned
// target in place of a bind; the remounts that follow still apply.
TEST_F(RootfsTest, IdmappedBindIsMovedIntoPlace) {
  LaunchPlan plan = Plan(kSpec);
  MountStep& data = plan.mounts.back();
  ASSERT_EQ(data.destination, "/data");
  data.idmap = true;
  RecordingKernel k;
  std::vector<int> fds(plan.mounts.size(), -1);
  fds.back() = 42;
  ASSERT_OK(PrepareRootfs(plan, fds, k));
  const std::string r = rootfs_;
  EXPECT_THAT(k.calls(), ::testing::Contains(
                             absl::StrCat("move_mount fd 42 ", r, "/data")));
  EXPECT_THAT(k.calls(), ::testing::Not(::testing::Contains(HasSubstr(
                             absl::StrCat("mount ", bundle_, "/data ")))));
  EXPECT_THAT(k.calls(),
              ::testing::Contains(absl::StrCat(
                  "mount - ", r, "/data - 0x",
                  absl::Hex(MS_BIND | MS_RDONLY | MS_REMOUNT), " -")));

  // Without its tree, the init must not fall back to a plain bind.
  RecordingKernel k2;
  EXPECT_THAT(PrepareRootfs(plan, k2),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("idmapped tree was not prepared")));
}

// An idmapped tmpfs the runtime made is moved into place like a bind; a
// rootless one is made by the init: the file system, then a user namespace
// with the maps, the idmap, and the move, before the propagation change.
TEST_F(RootfsTest, IdmappedFileSystems) {
  LaunchPlan plan = Plan(R"json({
    "ociVersion": "1.1.0",
    "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
    "root": {"path": "rootfs"},
    "mounts": [
      {"destination": "/t", "type": "tmpfs", "source": "tmpfs",
       "options": ["nosuid", "size=1m", "ridmap", "private"],
       "uidMappings": [{"containerID": 0, "hostID": 5, "size": 2}],
       "gidMappings": [{"containerID": 0, "hostID": 7, "size": 1}]}
    ],
    "linux": {"namespaces": [{"type": "mount"}]}
  })json");
  const std::string r = rootfs_;
  {
    RecordingKernel k;
    std::vector<int> fds = {42};
    ASSERT_OK(PrepareRootfs(plan, fds, k));
    EXPECT_THAT(k.calls(), ::testing::Contains(
                               absl::StrCat("move_mount fd 42 ", r, "/t")));
    EXPECT_THAT(k.calls(),
                ::testing::Not(::testing::Contains(HasSubstr("fsmount"))));
  }
  plan.mounts[0].idmap_in_init = true;
  RecordingKernel k;
  ASSERT_OK(PrepareRootfs(plan, k));
  std::vector<std::string> calls(k.calls().begin() + 2, k.calls().end());
  EXPECT_THAT(
      calls, ElementsAre(absl::StrCat("fsmount tmpfs tmpfs 0x",
                                      absl::Hex(MS_NOSUID), " size=1m -> fs#1"),
                         "userns uids 0:5:2 gids 0:7:1 -> userns#2",
                         "mount_setattr idmap fs#1 userns#2 recursive",
                         absl::StrCat("move_mount fd fs#1 ", r, "/t"),
                         absl::StrCat("mount - ", r, "/t - 0x",
                                      absl::Hex(MS_PRIVATE), " -")));

  // What the kernel refuses is reported with the mount and the step.
  RecordingKernel refusing;
  refusing.FailWhen("mount_setattr idmap", EINVAL);
  EXPECT_THAT(PrepareRootfs(plan, refusing),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("mounts[0] (/t): idmapped tmpfs"),
                             HasSubstr("Invalid argument"))));
}

// cgroup2 on a v2 host where the kernel refuses a fresh mount.
class Cgroup2MountTest : public RootfsTest {
 protected:
  LaunchPlan PlanV2(bool cgroup_ns) {
    std::string json =
        absl::StrCat(R"json({
      "ociVersion": "1.1.0",
      "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
      "root": {"path": "rootfs"},
      "mounts": [{"destination": "/sys/fs/cgroup", "type": "cgroup",
                  "source": "cgroup", "options": ["nosuid", "ro"]}],
      "linux": {"namespaces": [{"type": "mount"})json",
                     cgroup_ns ? R"(, {"type": "cgroup"})" : "", "]}}");
    auto spec = oci::ParseSpec(json);
    EXPECT_TRUE(spec.ok()) << spec.status();
    PlanOptions o;
    o.bundle = bundle_;
    o.host_cgroup_v2 = true;
    auto plan = MakePlan(*spec, o);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return *plan;
  }
  std::vector<std::string> CgroupCalls(const RecordingKernel& k) {
    std::vector<std::string> out;
    for (const std::string& c : k.calls()) {
      if (absl::StrContains(c, "/sys/fs/cgroup")) out.push_back(c);
    }
    return out;
  }
  std::string Cgroup2(const std::string& target) {
    return absl::StrCat("mount cgroup ", target, " cgroup2 0x",
                        absl::Hex(MS_NOSUID | MS_RDONLY), " -");
  }
};

// EBUSY: the target is already the root of a cgroup2 mount (a /sys bound
// from the host); a tmpfs in between lets the second mount through.
TEST_F(Cgroup2MountTest, BusyTargetGetsATmpfsInBetween) {
  RecordingKernel k;
  k.FailWhen(" cgroup2 ", EBUSY, 1);
  ASSERT_OK(PrepareRootfs(PlanV2(/*cgroup_ns=*/true), k));
  const std::string t = rootfs_ + "/sys/fs/cgroup";
  EXPECT_THAT(CgroupCalls(k),
              ElementsAre(Cgroup2(t),
                          absl::StrCat("mount tmpfs ", t,
                                       " tmpfs 0x0 nr_blocks=1,nr_inodes=1"),
                          Cgroup2(t)));
}

// EPERM: a user namespace without its own cgroup namespace; the host's
// hierarchy is bound read-only instead, as runc and crun do.
TEST_F(Cgroup2MountTest, RefusedWithoutCgroupNamespaceBindsTheHosts) {
  RecordingKernel k;
  k.FailWhen(" cgroup2 ", EPERM);
  ASSERT_OK(PrepareRootfs(PlanV2(/*cgroup_ns=*/false), k));
  const std::string t = rootfs_ + "/sys/fs/cgroup";
  EXPECT_THAT(CgroupCalls(k),
              ElementsAre(Cgroup2(t),
                          absl::StrCat("mount /sys/fs/cgroup ", t, " - 0x",
                                       absl::Hex(MS_BIND | MS_REC), " -"),
                          absl::StrCat("mount - ", t, " - 0x",
                                       absl::Hex(MS_BIND | MS_REMOUNT |
                                                 MS_NOSUID | MS_RDONLY),
                                       " -")));
}

TEST_F(Cgroup2MountTest, BusyTwiceUndoesTheTmpfsThenBinds) {
  RecordingKernel k;
  k.FailWhen(" cgroup2 ", EBUSY);
  ASSERT_OK(PrepareRootfs(PlanV2(/*cgroup_ns=*/false), k));
  const std::string t = rootfs_ + "/sys/fs/cgroup";
  std::vector<std::string> calls = CgroupCalls(k);
  ASSERT_EQ(calls.size(), 6u) << absl::StrJoin(calls, "\n");
  EXPECT_EQ(calls[3], absl::StrCat("umount2 ", t, " ", MNT_DETACH));
  EXPECT_THAT(calls[4], StartsWith("mount /sys/fs/cgroup "));
}

// In its own cgroup namespace the container must not see the host's
// hierarchy: the error stays.
TEST_F(Cgroup2MountTest, RefusedInACgroupNamespaceFails) {
  RecordingKernel k;
  k.FailWhen(" cgroup2 ", EPERM);
  EXPECT_THAT(PrepareRootfs(PlanV2(/*cgroup_ns=*/true), k),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("mount cgroup2 (cgroup) on")));
}

TEST_F(RootfsTest, PrepareMountsInOrder) {
  LaunchPlan plan = Plan(kSpec);
  RecordingKernel k;
  ASSERT_OK(PrepareRootfs(plan, k));
  const std::string r = rootfs_;
  std::vector<std::string> mounts;
  for (const std::string& c : k.calls()) {
    if (c.rfind("mount", 0) == 0) mounts.push_back(c);
  }
  EXPECT_THAT(
      mounts,
      ElementsAre(
          absl::StrCat("mount - / - 0x", absl::Hex(MS_SLAVE | MS_REC), " -"),
          absl::StrCat("mount ", r, " ", r, " - 0x",
                       absl::Hex(MS_BIND | MS_REC), " -"),
          absl::StrCat("mount proc ", r, "/proc proc 0x0 -"),
          absl::StrCat("mount tmpfs ", r, "/dev tmpfs 0x", absl::Hex(MS_NOSUID),
                       " mode=755"),
          absl::StrCat("mount ", bundle_, "/data ", r, "/data - 0x",
                       absl::Hex(MS_BIND | MS_REC), " -"),
          absl::StrCat("mount - ", r, "/data - 0x",
                       absl::Hex(MS_BIND | MS_RDONLY | MS_REMOUNT), " -"),
          absl::StrCat("mount - ", r, "/data - 0x",
                       absl::Hex(MS_PRIVATE | MS_REC), " -")));
  EXPECT_THAT(k.calls(), ::testing::Contains(
                             absl::StrCat("mknod ", r, "/dev/null 666 1:3")));
  EXPECT_THAT(k.calls(), ::testing::Contains(absl::StrCat(
                             "mknod ", r, "/dev/fuse 600 10:229")));
  EXPECT_THAT(k.calls(),
              ::testing::Contains(absl::StrCat("chown ", r, "/dev/fuse 7:0")));
  // Mount targets, the cwd and the /dev links exist in the rootfs.
  EXPECT_TRUE(PathExists(JoinPath(r, "proc")));
  EXPECT_TRUE(PathExists(JoinPath(r, "w")));
  EXPECT_TRUE(PathExists(JoinPath(r, "dev/ptmx")));
}

TEST_F(RootfsTest, FailureNamesTheMount) {
  LaunchPlan plan = Plan(kSpec);
  RecordingKernel k;
  k.FailWhen("/dev tmpfs", EPERM);
  EXPECT_THAT(PrepareRootfs(plan, k),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("mount /dev: mount tmpfs (tmpfs) on")));
  // Nothing after the failed mount was attempted.
  EXPECT_THAT(k.calls().back(), HasSubstr("/dev tmpfs"));
}

TEST_F(RootfsTest, MknodRefusedFallsBackToBind) {
  LaunchPlan plan = Plan(kSpec);
  RecordingKernel k;
  k.FailWhen("mknod", EPERM);
  ASSERT_OK(PrepareRootfs(plan, k));
  EXPECT_THAT(k.calls(), ::testing::Contains(absl::StrCat(
                             "mount /dev/null ", rootfs_, "/dev/null - 0x",
                             absl::Hex(MS_BIND), " -")));
}

TEST_F(RootfsTest, PivotRootAndNoPivot) {
  LaunchPlan plan = Plan(kSpec);
  RecordingKernel k;
  ASSERT_OK(EnterRootfs(plan, k));
  EXPECT_THAT(
      k.calls(),
      ElementsAre(
          "fchdir", "pivot_root . .", "fchdir",
          absl::StrCat("mount - . - 0x", absl::Hex(MS_SLAVE | MS_REC), " -"),
          absl::StrCat("umount2 . ", MNT_DETACH), "chdir /",
          absl::StrCat("mount - / - 0x", absl::Hex(MS_SLAVE | MS_REC), " -")));
  plan.pivot_root = false;
  RecordingKernel k2;
  ASSERT_OK(EnterRootfs(plan, k2));
  EXPECT_THAT(
      k2.calls(),
      ElementsAre(
          absl::StrCat("chdir ", rootfs_),
          absl::StrCat("mount ", rootfs_, " / - 0x", absl::Hex(MS_MOVE), " -"),
          "chroot .", "chdir /",
          absl::StrCat("mount - / - 0x", absl::Hex(MS_SLAVE | MS_REC), " -")));
}

TEST_F(RootfsTest, PivotRootRefusedOffTheInitialRamfsIsAnError) {
  LaunchPlan plan = Plan(kSpec);
  RecordingKernel k;
  k.FailWhen("pivot_root", EINVAL);
  struct statfs fs;
  ASSERT_EQ(statfs("/", &fs), 0);
  if (fs.f_type == RAMFS_MAGIC || fs.f_type == TMPFS_MAGIC) {
    // A host booted from an initramfs: the rootfs is moved over / instead.
    ASSERT_OK(EnterRootfs(plan, k));
    EXPECT_THAT(k.calls(), ::testing::Contains("chroot ."));
  } else {
    EXPECT_THAT(
        EnterRootfs(plan, k),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pivot_root")));
    EXPECT_THAT(k.calls(), ::testing::Not(::testing::Contains("chroot .")));
  }
}

TEST_F(RootfsTest, ReadonlyRootAndHostname) {
  LaunchPlan plan = Plan(kSpec);
  plan.masked_paths.clear();
  plan.readonly_paths.clear();
  RecordingKernel k;
  ASSERT_OK(FinishRootfs(plan, k));
  ASSERT_EQ(k.calls().size(), 1u);
  EXPECT_THAT(k.calls()[0], StartsWith("mount - / - 0x"));
  ASSERT_OK(ApplyIdentity(plan, k));
  EXPECT_EQ(k.calls().back(), "sethostname h");
}

}  // namespace
}  // namespace crate::linux
