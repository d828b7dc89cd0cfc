#include "runtime/container/mounts.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::container {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<std::string> Destinations(const std::vector<oci::Mount>& mounts) {
  std::vector<std::string> out;
  for (const oci::Mount& m : mounts) out.push_back(m.destination);
  return out;
}

const oci::Mount* Find(const std::vector<oci::Mount>& mounts,
                       const std::string& dest) {
  for (const oci::Mount& m : mounts) {
    if (m.destination == dest) return &m;
  }
  return nullptr;
}

Mount Bind(std::string source, std::string dest, bool ro = false,
           std::string propagation = "") {
  Mount m;
  m.type = MountType::kBind;
  m.source = std::move(source);
  m.destination = std::move(dest);
  m.read_only = ro;
  m.options = std::move(propagation);
  return m;
}

Mount Tmpfs(std::string dest, std::string options = "", bool ro = false) {
  Mount m;
  m.type = MountType::kTmpfs;
  m.destination = std::move(dest);
  m.options = std::move(options);
  m.read_only = ro;
  return m;
}

Mount Volume(std::string name, std::string source, std::string dest) {
  Mount m;
  m.type = MountType::kVolume;
  m.volume_name = std::move(name);
  m.source = std::move(source);
  m.destination = std::move(dest);
  return m;
}

TEST(StandardMountsTest, DockersSet) {
  std::vector<oci::Mount> m = StandardMounts({});
  EXPECT_THAT(Destinations(m),
              ElementsAre("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                          "/dev/mqueue", "/dev/shm"));
  EXPECT_EQ(m[0].type, "proc");
  EXPECT_THAT(m[2].options, Contains("newinstance"));
  EXPECT_THAT(m[2].options, Contains("gid=5"));
  EXPECT_EQ(m[3].type, "sysfs");
  EXPECT_THAT(m[3].options, Contains("ro"));
  EXPECT_EQ(m[4].type, "cgroup");
  EXPECT_THAT(m[4].options, Contains("ro"));
  EXPECT_EQ(m[5].type, "mqueue");
  EXPECT_EQ(m[6].type, "tmpfs");
  EXPECT_THAT(m[6].options, ElementsAre("nosuid", "noexec", "nodev",
                                        "mode=1777", "size=67108864"));
}

TEST(StandardMountsTest, ShmSizeIpcHostAndPrivileged) {
  StandardMountSettings s;
  s.shm_size = 1 << 30;
  EXPECT_THAT(StandardMounts(s)[6].options, Contains("size=1073741824"));
  s.ipc_host = true;
  const oci::Mount shm = StandardMounts(s)[6];
  EXPECT_EQ(shm.type, "bind");
  EXPECT_EQ(shm.source, "/dev/shm");
  s.privileged = true;
  std::vector<oci::Mount> m = StandardMounts(s);
  EXPECT_THAT(m[3].options, Not(Contains("ro")));
  EXPECT_THAT(m[4].options, Not(Contains("ro")));
}

TEST(UserMountsTest, BindsVolumesAndTmpfs) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<oci::Mount> m,
      UserMounts(
          {Bind("/srv/data", "/data/"), Bind("/etc/x", "/x", true),
           Bind("/srv/s", "/s", false, "rshared"),
           Volume("cache", "/var/lib/crate/volumes/cache/_data", "/var/cache"),
           Tmpfs("/run", "size=64m,mode=1777")}));
  ASSERT_EQ(m.size(), 5u);
  const oci::Mount* data = Find(m, "/data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->type, "bind");
  EXPECT_EQ(data->source, "/srv/data");
  EXPECT_THAT(data->options, ElementsAre("rbind", "rprivate"));
  EXPECT_THAT(Find(m, "/x")->options, ElementsAre("rbind", "ro", "rprivate"));
  EXPECT_THAT(Find(m, "/s")->options, ElementsAre("rbind", "rshared"));
  EXPECT_EQ(Find(m, "/var/cache")->source,
            "/var/lib/crate/volumes/cache/_data");
  const oci::Mount* run = Find(m, "/run");
  EXPECT_EQ(run->type, "tmpfs");
  EXPECT_EQ(run->source, "tmpfs");
  EXPECT_THAT(run->options, ElementsAre("noexec", "nosuid", "nodev", "size=64m",
                                        "mode=1777"));
}

TEST(UserMountsTest, ParentsFirst) {
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Mount> m,
                       UserMounts({Tmpfs("/a/b/c"), Bind("/h1", "/a/b"),
                                   Tmpfs("/z"), Bind("/h2", "/a")}));
  EXPECT_THAT(Destinations(m), ElementsAre("/z", "/a", "/a/b", "/a/b/c"));
}

TEST(UserMountsTest, TmpfsOptionsOverrideDockersDefaults) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<oci::Mount> m,
      UserMounts({Tmpfs("/run", "exec,size=1m,size=2m,uid=1000", true)}));
  EXPECT_THAT(m[0].options, ElementsAre("nosuid", "nodev", "exec", "size=2m",
                                        "uid=1000", "ro"));
}

struct BadMount {
  const char* name;
  std::vector<Mount> mounts;
  const char* message;
};

class BadMountTest : public ::testing::TestWithParam<BadMount> {};

TEST_P(BadMountTest, NamesTheOption) {
  EXPECT_THAT(UserMounts(GetParam().mounts),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadMountTest,
    ::testing::Values(
        BadMount{"RelativeDestination",
                 {Bind("/srv", "data")},
                 "--volume /srv:data: the container path \"data\" is not "
                 "absolute"},
        BadMount{"EmptyDestination", {Tmpfs("")}, "--tmpfs : the container"},
        BadMount{"Root",
                 {Bind("/srv", "/./")},
                 "cannot mount over the container's root"},
        BadMount{"RelativeSource",
                 {Bind("srv", "/data")},
                 "--volume srv:/data: the host path \"srv\" is not absolute"},
        BadMount{"Duplicate",
                 {Bind("/a", "/data"), Tmpfs("/data/")},
                 "--tmpfs /data/: duplicate mount point \"/data\""},
        BadMount{"DuplicateVolume",
                 {Volume("v", "/vol", "/d"), Bind("/b", "//d")},
                 "--volume /b://d: duplicate mount point \"/d\""},
        BadMount{"Propagation",
                 {Bind("/a", "/b", false, "recursive")},
                 "unknown propagation \"recursive\""},
        BadMount{"VolumeWithoutDirectory",
                 {Volume("v", "", "/d")},
                 "--volume v:/d: the volume's directory \"\" is not "
                 "absolute"},
        BadMount{"TmpfsUnknownFlag",
                 {Tmpfs("/run", "noexec,turbo")},
                 "--tmpfs /run: unknown option \"turbo\""},
        BadMount{"TmpfsUnknownKey",
                 {Tmpfs("/run", "colour=blue")},
                 "--tmpfs /run: unknown option \"colour=blue\""},
        BadMount{"TmpfsBadSize",
                 {Tmpfs("/run", "size=64x")},
                 "--tmpfs /run: size: \"64x\" is not a size"},
        BadMount{"TmpfsBadMode",
                 {Tmpfs("/run", "mode=999")},
                 "mode: \"999\" is not an octal mode"},
        BadMount{"TmpfsModeTooBig",
                 {Tmpfs("/run", "mode=17777")},
                 "mode: \"17777\" is not an octal mode"},
        BadMount{"TmpfsEmptyOption",
                 {Tmpfs("/run", "size=1m,,ro")},
                 "empty option in \"size=1m,,ro\""},
        BadMount{"TmpfsBadUid",
                 {Tmpfs("/run", "uid=root")},
                 "uid: \"root\" is not a number"}),
    [](const ::testing::TestParamInfo<BadMount>& info) {
      return std::string(info.param.name);
    });

TEST(CheckTmpfsOptionsTest, WhatTheKernelTakes) {
  for (const char* ok :
       {"", "size=64m", "size=50%", "size=1073741824", "mode=1777,size=1G",
        "nr_inodes=1k,nr_blocks=100", "uid=0,gid=5", "huge=within_size",
        "mpol=interleave", "ro,noexec,nosuid,nodev,noatime,inode64"}) {
    EXPECT_THAT(CheckTmpfsOptions("--tmpfs /x", ok), IsOk()) << ok;
  }
}

TEST(MergeMountsTest, UserMountsReplaceStandardOnes) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<oci::Mount> user,
      UserMounts({Tmpfs("/dev/shm", "size=1g"), Bind("/srv", "/data")}));
  std::vector<oci::Mount> m = MergeMounts(StandardMounts({}), user);
  EXPECT_THAT(Destinations(m),
              ElementsAre("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                          "/dev/mqueue", "/data", "/dev/shm"));
  EXPECT_THAT(Find(m, "/dev/shm")->options, Contains("size=1g"));
}

TEST(MergeMountsTest, AUserDevTakesEverythingUnderIt) {
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Mount> user,
                       UserMounts({Bind("/dev", "/dev")}));
  EXPECT_THAT(Destinations(MergeMounts(StandardMounts({}), user)),
              ElementsAre("/proc", "/sys", "/sys/fs/cgroup", "/dev"));
}

TEST(RootfsPropagationTest, SharedBeatsSlave) {
  EXPECT_EQ(RootfsPropagation({Bind("/a", "/a"), Tmpfs("/t")}), "");
  EXPECT_EQ(RootfsPropagation({Bind("/a", "/a", false, "slave")}), "rslave");
  EXPECT_EQ(RootfsPropagation({Bind("/a", "/a", false, "rslave"),
                               Bind("/b", "/b", false, "shared")}),
            "rshared");
}

TEST(UncoveredImageVolumesTest, OnlyWhatNoMountCovers) {
  ImageConfig image;
  image.volumes = {"/data", "/var/lib/db/", "/logs", "/logs", "/"};
  EXPECT_THAT(UncoveredImageVolumes(image, {Bind("/srv", "/var/lib/db")}),
              ElementsAre("/data", "/logs"));
  EXPECT_THAT(UncoveredImageVolumes(image, {Tmpfs("/data"), Tmpfs("/logs"),
                                            Volume("v", "/v", "/var/lib/db")}),
              IsEmpty());
}

}  // namespace
}  // namespace crate::container
