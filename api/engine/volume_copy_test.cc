#include "api/engine/volume_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"

namespace crate::engine {
namespace {

using ::testing::IsEmpty;

class VolumeCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("volume_copy_test"));
    rootfs_ = JoinPath(tmp_, "rootfs");
    data_ = JoinPath(tmp_, "_data");
    ASSERT_OK(MakeDirs(rootfs_, 0755));
    ASSERT_OK(MakeDirs(data_, 0755));
    data_fd_.Reset(open(data_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(data_fd_.valid());
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }

  std::string In(const std::string& rel) { return JoinPath(rootfs_, rel); }
  std::string Out(const std::string& rel) { return JoinPath(data_, rel); }
  void Write(const std::string& path, const std::string& text,
             mode_t mode = 0644) {
    ASSERT_OK(WriteFileAtomic(path, text, mode));
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }
  absl::StatusOr<CopyUpResult> Copy(const std::string& path) {
    return CopyUp(rootfs_, path, data_fd_.get(), data_);
  }
  static struct stat Lstat(const std::string& path) {
    struct stat st = {};
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st;
  }
  static std::string Link(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
    return n < 0 ? "" : std::string(buf, n);
  }

  std::string tmp_, rootfs_, data_;
  UniqueFd data_fd_;
};

TEST_F(VolumeCopyTest, CopiesTheTreeWithModesSymlinksAndTimes) {
  ASSERT_OK(MakeDirs(In("srv/www/sub/deeper"), 0755));
  ASSERT_EQ(chmod(In("srv/www").c_str(), 0750), 0);
  ASSERT_EQ(chmod(In("srv/www/sub").c_str(), 0711), 0);
  Write(In("srv/www/index.html"), "<html>", 0640);
  Write(In("srv/www/sub/deeper/tool"), "#!/bin/sh\n", 04755);
  ASSERT_EQ(symlink("index.html", In("srv/www/home").c_str()), 0);
  ASSERT_EQ(symlink("/etc/shadow", In("srv/www/abs").c_str()), 0);
  ASSERT_EQ(mkfifo(In("srv/www/pipe").c_str(), 0620), 0);
  ASSERT_EQ(chmod(In("srv/www/pipe").c_str(), 0620), 0);
  struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, In("srv/www/index.html").c_str(), old, 0), 0);

  ASSERT_OK_AND_ASSIGN(CopyUpResult r, Copy("/srv/www"));
  EXPECT_TRUE(r.copied);
  EXPECT_EQ(r.files, 7u);  // sub, deeper, tool, index, home, abs, pipe
  ASSERT_OK_AND_ASSIGN(std::string index, ReadFile(Out("index.html")));
  EXPECT_EQ(index, "<html>");
  EXPECT_EQ(Lstat(Out("index.html")).st_mode & 07777, 0640u);
  EXPECT_EQ(Lstat(Out("index.html")).st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(Lstat(Out("sub")).st_mode & 07777, 0711u);
  EXPECT_EQ(Lstat(Out("sub/deeper/tool")).st_mode & 07777, 04755u);
  // Symlinks are copied as they are, never followed.
  EXPECT_TRUE(S_ISLNK(Lstat(Out("home")).st_mode));
  EXPECT_EQ(Link(Out("home")), "index.html");
  EXPECT_EQ(Link(Out("abs")), "/etc/shadow");
  EXPECT_TRUE(S_ISFIFO(Lstat(Out("pipe")).st_mode));
  EXPECT_EQ(Lstat(Out("pipe")).st_mode & 07777, 0620u);
  // The volume's own directory takes the source's mode, as docker's does.
  EXPECT_EQ(Lstat(data_).st_mode & 07777, 0750u);
}

TEST_F(VolumeCopyTest, KeepsHardLinksWithinTheCopy) {
  ASSERT_OK(MakeDirs(In("d/x"), 0755));
  Write(In("d/a"), "same");
  ASSERT_EQ(link(In("d/a").c_str(), In("d/x/b").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(CopyUpResult r, Copy("/d"));
  EXPECT_TRUE(r.copied);
  struct stat a = Lstat(Out("a")), b = Lstat(Out("x/b"));
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 2u);
  EXPECT_NE(a.st_ino, Lstat(In("d/a")).st_ino);  // a copy, not the image's
}

TEST_F(VolumeCopyTest, OwnersAndDevicesAsRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ASSERT_OK(MakeDirs(In("db"), 0700));
  if (chown(In("db").c_str(), 999, 998) != 0) {
    GTEST_SKIP() << "chown is not allowed here";
  }
  Write(In("db/conf"), "x", 0600);
  ASSERT_EQ(chown(In("db/conf").c_str(), 1234, 5678), 0);
  ASSERT_EQ(symlink("conf", In("db/link").c_str()), 0);
  ASSERT_EQ(lchown(In("db/link").c_str(), 1234, 5678), 0);
  if (mknod(In("db/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod is not allowed here";
  }
  ASSERT_EQ(chmod(In("db/null").c_str(), 0666), 0);
  ASSERT_OK_AND_ASSIGN(CopyUpResult r, Copy("/db"));
  EXPECT_TRUE(r.copied);
  EXPECT_EQ(Lstat(data_).st_uid, 999u);
  EXPECT_EQ(Lstat(data_).st_gid, 998u);
  EXPECT_EQ(Lstat(Out("conf")).st_uid, 1234u);
  EXPECT_EQ(Lstat(Out("conf")).st_gid, 5678u);
  EXPECT_EQ(Lstat(Out("link")).st_uid, 1234u);
  EXPECT_TRUE(S_ISCHR(Lstat(Out("null")).st_mode));
  EXPECT_EQ(Lstat(Out("null")).st_rdev, makedev(1, 3));
  EXPECT_EQ(Lstat(Out("null")).st_mode & 07777, 0666u);
}

TEST_F(VolumeCopyTest, CopiesExtendedAttributesWhereTheFileSystemHasThem) {
  ASSERT_OK(MakeDirs(In("x"), 0755));
  Write(In("x/f"), "x");
  if (setxattr(In("x/f").c_str(), "user.crate", "v1", 2, 0) != 0) {
    GTEST_SKIP() << "no user xattrs on this file system";
  }
  ASSERT_OK(Copy("/x").status());
  char buf[16];
  ssize_t n = getxattr(Out("f").c_str(), "user.crate", buf, sizeof(buf));
  if (n < 0 && errno == ENOTSUP) GTEST_SKIP() << "not on the volume's side";
  ASSERT_EQ(n, 2);
  EXPECT_EQ(std::string(buf, 2), "v1");
}

TEST_F(VolumeCopyTest, ANonEmptyVolumeIsLeftAlone) {
  ASSERT_OK(MakeDirs(In("etc"), 0755));
  Write(In("etc/passwd"), "root");
  Write(Out("mine"), "kept");
  ASSERT_OK_AND_ASSIGN(CopyUpResult r, Copy("/etc"));
  EXPECT_FALSE(r.copied);
  EXPECT_FALSE(PathExists(Out("passwd")));
}

TEST_F(VolumeCopyTest, NothingToCopyWhenTheImageHasNoDirectoryThere) {
  Write(In("file"), "x");
  ASSERT_OK_AND_ASSIGN(CopyUpResult r, Copy("/missing"));
  EXPECT_FALSE(r.copied);
  ASSERT_OK_AND_ASSIGN(r, Copy("/file"));
  EXPECT_FALSE(r.copied);
  EXPECT_THAT(*ListDir(data_), IsEmpty());
}

// The image's symlinks are resolved inside its root: a link to /etc is the
// image's /etc, and one climbing out with ".." stops at the root.
TEST_F(VolumeCopyTest, SymlinksOfTheImageNeverLeadOutOfItsRoot) {
  std::string host = JoinPath(tmp_, "host");
  ASSERT_OK(MakeDirs(host, 0755));
  Write(JoinPath(host, "secret"), "host's");
  ASSERT_EQ(symlink(host.c_str(), In("abs").c_str()), 0);
  ASSERT_EQ(symlink("../host", In("rel").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(CopyUpResult r, Copy("/abs"));
  EXPECT_FALSE(r.copied);
  ASSERT_OK_AND_ASSIGN(r, Copy("/rel"));
  EXPECT_FALSE(r.copied);
  EXPECT_THAT(*ListDir(data_), IsEmpty());

  // ...and a link inside the root is followed to its target there.
  ASSERT_OK(MakeDirs(In("real"), 0755));
  Write(In("real/ok"), "image's");
  ASSERT_EQ(symlink("/real", In("alias").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(r, Copy("/alias"));
  EXPECT_TRUE(r.copied);
  ASSERT_OK_AND_ASSIGN(std::string ok, ReadFile(Out("ok")));
  EXPECT_EQ(ok, "image's");
}

}  // namespace
}  // namespace crate::engine
