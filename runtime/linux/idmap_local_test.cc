// The idmapped mount primitives against the running kernel (needs root).
// Detached mounts are looked at through their fds: nothing is attached to
// the host's tree, and closing the fd removes them.
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "absl/cleanup/cleanup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/idmap.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

class IdmapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
  }
};

TEST_F(IdmapTest, DetachedFsCarriesFlagsAndOptions) {
  ASSERT_OK_AND_ASSIGN(UniqueFd fs,
                       OpenDetachedFs("tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID,
                                      "size=1m,mode=711"));
  struct statvfs sv;
  ASSERT_EQ(fstatvfs(fs.get(), &sv), 0);
  EXPECT_TRUE(sv.f_flag & ST_RDONLY);
  EXPECT_TRUE(sv.f_flag & ST_NOSUID);
  EXPECT_FALSE(sv.f_flag & ST_NODEV);
  EXPECT_EQ(sv.f_blocks * sv.f_frsize, 1u << 20);
  struct stat st;
  ASSERT_EQ(fstat(fs.get(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
}

TEST_F(IdmapTest, BadOptionCarriesTheKernelsMessage) {
  EXPECT_THAT(OpenDetachedFs("tmpfs", "tmpfs", 0, "size=lots").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("fsconfig tmpfs size=lots"),
                             HasSubstr("Bad value for 'size'"))));
  EXPECT_THAT(
      OpenDetachedFs("no-such-fs", "x", 0, "").status(),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("fsopen no-such-fs")));
}

// A tmpfs made by root (its root directory is 0's on "disk") seen through
// a map of 0 to 1000.
TEST_F(IdmapTest, IdmappedTmpfsShowsTheMappedOwner) {
  ASSERT_OK_AND_ASSIGN(UniqueFd userns,
                       MakeUserNamespace({{0, 1000, 1}}, {{0, 2000, 1}}));
  ASSERT_OK_AND_ASSIGN(UniqueFd fs, OpenDetachedFs("tmpfs", "tmpfs", 0, ""));
  ASSERT_OK(SetIdmap(fs.get(), userns.get(), false));
  struct stat st;
  ASSERT_EQ(fstat(fs.get(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 2000u);
  // A mount's idmap is set once.
  EXPECT_THAT(SetIdmap(fs.get(), userns.get(), false),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("MOUNT_ATTR_IDMAP")));
}

TEST_F(IdmapTest, TypeTheKernelCannotIdmap) {
  ASSERT_OK_AND_ASSIGN(UniqueFd userns,
                       MakeUserNamespace({{0, 1000, 1}}, {{0, 1000, 1}}));
  ASSERT_OK_AND_ASSIGN(UniqueFd fs, OpenDetachedFs("mqueue", "mqueue", 0, ""));
  EXPECT_THAT(SetIdmap(fs.get(), userns.get(), false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Invalid argument (this file system type "
                                 "cannot be idmapped)")));
}

// The runtime's part for a bind: the source's files, 1000's on disk, are
// 0's through the clone; the source itself is unchanged.
TEST_F(IdmapTest, PreparedBindIsAnIdmappedClone) {
  ASSERT_OK_AND_ASSIGN(std::string dir, MakeTempDir("idmap_test"));
  absl::Cleanup remove = [&] { EXPECT_OK(RemoveTree(dir)); };
  std::string f = JoinPath(dir, "f");
  ASSERT_OK(WriteFileAtomic(f, "x"));
  ASSERT_EQ(chown(f.c_str(), 1000, 1000), 0);
  // Root's directory is nobody's through the map: only its mode lets
  // root in.
  ASSERT_EQ(chmod(dir.c_str(), 0755), 0);
  MountStep m;
  m.bind = true;
  m.source = dir;
  m.flags = MS_BIND | MS_REC;
  m.idmap = true;
  m.idmap_uids = {{1000, 0, 1}};
  m.idmap_gids = {{1000, 0, 1}};
  ASSERT_OK_AND_ASSIGN(UniqueFd tree, PrepareIdmappedMount(m));
  struct stat st;
  ASSERT_EQ(fstatat(tree.get(), "f", &st, 0), 0) << strerror(errno);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
}

}  // namespace
}  // namespace crate::linux
