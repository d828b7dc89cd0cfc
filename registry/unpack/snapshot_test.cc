#include "registry/unpack/snapshot.h"

#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/unpack/layer.h"
#include "registry/unpack/test_tar.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using testing::Compression;
using testing::Dir;
using testing::File;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using testing::WriteTar;

const std::string kChainA = "sha256:" + std::string(64, 'a');
const std::string kChainB = "sha256:" + std::string(64, 'b');

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("snapshot_test"));
    ASSERT_OK_AND_ASSIGN(store_, SnapshotStore::Open(JoinPath(tmp_, "store")));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }

  SnapshotStore::Unpacker FromTar(std::vector<testing::TarEntry> entries) {
    std::string path = JoinPath(tmp_, absl::StrCat("l", ++n_, ".tar.gz"));
    EXPECT_OK(WriteTar(path, entries, Compression::kGzip));
    return [path](const std::string& fs) {
      return ApplyLayerFromFile(path, fs, ApplyOptions()).status();
    };
  }

  // Two layers: the second deletes /etc/gone and makes /opaque opaque.
  void MakeTwoLayers() {
    ASSERT_OK(store_
                  ->Ensure(kChainA, FromTar({
                                        Dir("etc"),
                                        File("etc/gone", "g"),
                                        File("etc/kept", "k"),
                                        Dir("opaque"),
                                        File("opaque/old", "o"),
                                    }))
                  .status());
    ASSERT_OK(store_
                  ->Ensure(kChainB, FromTar({
                                        File("etc/.wh.gone", ""),
                                        Dir("opaque"),
                                        File("opaque/.wh..wh..opq", ""),
                                        File("opaque/new", "n"),
                                        File("top", "t"),
                                    }))
                  .status());
  }

  void ExpectMerged(const std::string& rootfs) {
    EXPECT_FALSE(PathExists(JoinPath(rootfs, "etc/gone")));
    EXPECT_TRUE(PathExists(JoinPath(rootfs, "etc/kept")));
    EXPECT_FALSE(PathExists(JoinPath(rootfs, "opaque/old")));
    EXPECT_TRUE(PathExists(JoinPath(rootfs, "opaque/new")));
    EXPECT_TRUE(PathExists(JoinPath(rootfs, "top")));
  }

  std::string tmp_;
  std::unique_ptr<SnapshotStore> store_;
  int n_ = 0;
};

TEST_F(SnapshotTest, EnsureUnpacksOnce) {
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<std::string>> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store_->Ensure(kChainA, [&](const std::string& fs) {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return MakeDirs(fs);
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& r : results) ASSERT_OK(r.status());
  EXPECT_TRUE(store_->Exists(kChainA));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> ids, store_->List());
  EXPECT_THAT(ids, UnorderedElementsAre(kChainA));
}

TEST_F(SnapshotTest, FailedUnpackLeavesNothing) {
  EXPECT_THAT(store_->Ensure(kChainA,
                             [](const std::string& fs) {
                               EXPECT_OK(MakeDirs(JoinPath(fs, "half")));
                               return absl::DataLossError("broken layer");
                             }),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::AllOf(HasSubstr(kChainA),
                                        HasSubstr("broken layer"))));
  EXPECT_FALSE(store_->Exists(kChainA));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       ListDir(JoinPath(store_->root(), "snapshots")));
  EXPECT_TRUE(names.empty());
}

TEST_F(SnapshotTest, ImageBoundLeavesNoSnapshotOfTheLayerPastIt) {
  // Each layer is a file of 6 MiB of zeros; the image may have 10 MiB.
  auto layer = [&](const std::string& name) {
    testing::TarEntry e = File(name, "");
    e.zeros = 6 << 20;
    std::string path = JoinPath(tmp_, name + ".tar.gz");
    EXPECT_OK(WriteTar(path, {e}, Compression::kGzip));
    return path;
  };
  const std::string first = layer("a"), second = layer("b");
  ImageUnpackBudget budget("crate-test/two:1", 10 << 20);
  auto unpack = [&](const std::string& tar, const std::string& name) {
    return [&budget, tar, name](const std::string& fs) {
      ApplyOptions o;
      o.layer_name = name;
      o.image_budget = &budget;
      return ApplyLayerFromFile(tar, fs, o).status();
    };
  };
  ASSERT_OK(
      store_->Ensure(kChainA, unpack(first, "1 of crate-test/two:1")).status());
  EXPECT_THAT(
      store_->Ensure(kChainB, unpack(second, "2 of crate-test/two:1")),
      StatusIs(absl::StatusCode::kResourceExhausted,
               ::testing::AllOf(HasSubstr(kChainB), HasSubstr("layer 2 of"),
                                HasSubstr("image crate-test/two:1"),
                                HasSubstr("10485760 bytes together"))));
  EXPECT_TRUE(store_->Exists(kChainA));
  EXPECT_FALSE(store_->Exists(kChainB));
  // Not even the temporary directory of the refused unpack is left.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       ListDir(JoinPath(store_->root(), "snapshots")));
  EXPECT_THAT(names, UnorderedElementsAre(std::string(64, 'a')));
}

TEST_F(SnapshotTest, RefusesBadIds) {
  EXPECT_THAT(
      store_->Ensure("sha256:../../x", FromTar({})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chain ID")));
  EXPECT_THAT(
      store_->Prepare("../evil", {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("container ID")));
  EXPECT_THAT(store_->Prepare("c1", {kChainA}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kChainA)));
}

TEST_F(SnapshotTest, PrepareListsLowerDirsTopFirst) {
  MakeTwoLayers();
  ASSERT_OK_AND_ASSIGN(OverlayMount m,
                       store_->Prepare("c1", {kChainA, kChainB}));
  ASSERT_OK_AND_ASSIGN(std::string a, store_->FsDir(kChainA));
  ASSERT_OK_AND_ASSIGN(std::string b, store_->FsDir(kChainB));
  EXPECT_THAT(m.lower_dirs, ::testing::ElementsAre(b, a));
  EXPECT_THAT(m.Options(), HasSubstr("lowerdir=" + b + ":" + a + ",upperdir="));
  EXPECT_TRUE(PathExists(m.upper_dir));
  EXPECT_TRUE(PathExists(m.work_dir));
  ASSERT_OK(store_->Release("c1"));
  EXPECT_FALSE(PathExists(m.upper_dir));
}

TEST_F(SnapshotTest, OverlayMountHidesWhiteouts) {
  if (geteuid() != 0 || !OverlaySupported())
    GTEST_SKIP() << "needs root and overlayfs";
  MakeTwoLayers();
  ASSERT_OK_AND_ASSIGN(OverlayMount m,
                       store_->Prepare("c1", {kChainA, kChainB}));
  SyscallMounter mounter;
  ASSERT_OK(mounter.Mount(m));
  absl::Cleanup unmount = [&] { EXPECT_OK(mounter.Unmount(m.target)); };
  ExpectMerged(m.target);
  // Writes go to the container's upper directory, never to a snapshot.
  ASSERT_OK(WriteFileAtomic(JoinPath(m.target, "etc/kept"), "changed"));
  ASSERT_OK_AND_ASSIGN(std::string a, store_->FsDir(kChainA));
  ASSERT_OK_AND_ASSIGN(std::string kept, ReadFile(JoinPath(a, "etc/kept")));
  EXPECT_EQ(kept, "k");
}

TEST_F(SnapshotTest, CopyFallbackAppliesWhiteouts) {
  if (geteuid() != 0) GTEST_SKIP() << "overlay whiteouts need CAP_MKNOD";
  MakeTwoLayers();
  ASSERT_OK_AND_ASSIGN(std::string rootfs,
                       store_->PrepareCopy("c2", {kChainA, kChainB}));
  ExpectMerged(rootfs);
  struct stat st;
  ASSERT_EQ(lstat(JoinPath(rootfs, "top").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1600000000);
  ASSERT_OK(store_->Release("c2"));
}

TEST_F(SnapshotTest, RemoveAndCleanup) {
  MakeTwoLayers();
  ASSERT_OK(MakeDirs(JoinPath(
      store_->root(), "snapshots/.tmp-" + std::string(64, 'c') + "-1")));
  ASSERT_OK(store_->CleanupTemporary());
  ASSERT_OK(store_->Remove(kChainA));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> ids, store_->List());
  EXPECT_THAT(ids, UnorderedElementsAre(kChainB));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       ListDir(JoinPath(store_->root(), "snapshots")));
  EXPECT_THAT(names, UnorderedElementsAre(std::string(64, 'b')));
}

TEST_F(SnapshotTest, ManyLayersMountThroughTheNewMountApi) {
  if (geteuid() != 0 || !OverlaySupported()) {
    GTEST_SKIP() << "needs root and overlayfs";
  }
  std::vector<std::string> chain;
  for (int i = 0; i < 60; ++i) {
    std::string id = absl::StrCat("sha256:", std::string(62, 'd'),
                                  absl::Hex(i, absl::kZeroPad2));
    ASSERT_OK(store_
                  ->Ensure(id, FromTar({
                                   File(absl::StrCat("f", i), "x"),
                                   File("top", absl::StrCat(i)),
                               }))
                  .status());
    chain.push_back(id);
  }
  ASSERT_OK_AND_ASSIGN(OverlayMount m, store_->Prepare("many", chain));
  ASSERT_GT(m.Options().size(), 4096u);
  SyscallMounter mounter;
  ASSERT_OK(mounter.Mount(m));
  absl::Cleanup unmount = [&] { EXPECT_OK(mounter.Unmount(m.target)); };
  ASSERT_OK_AND_ASSIGN(std::string top, ReadFile(JoinPath(m.target, "top")));
  EXPECT_EQ(top, "59");
  EXPECT_TRUE(PathExists(JoinPath(m.target, "f0")));
  EXPECT_TRUE(PathExists(JoinPath(m.target, "f59")));
}

// Rootless: an unprivileged user, root only of its own user namespace,
// unpacks two layers (whiteout devices, user.overlay.opaque) and mounts
// them with overlayfs's userxattr.
TEST(RootlessSnapshotTest, UnpackAndMountInAUserNamespace) {
  if (geteuid() != 0 || !OverlaySupported()) {
    GTEST_SKIP() << "needs root to set up an unprivileged user";
  }
  // Under /tmp: the test's own temporary directory is below /root.
  char dir_template[] = "/tmp/crate-rootless-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  absl::Cleanup remove = [&] { EXPECT_OK(RemoveTree(dir)); };
  ASSERT_EQ(chmod(dir.c_str(), 0755), 0);
  std::string lower = JoinPath(dir, "lower.tar");
  std::string upper = JoinPath(dir, "upper.tar");
  ASSERT_OK(WriteTar(lower,
                     {Dir("etc"), File("etc/gone", "g"), File("etc/kept", "k"),
                      Dir("opaque"), File("opaque/old", "o")},
                     Compression::kGzip));
  ASSERT_OK(WriteTar(upper,
                     {File("etc/.wh.gone", ""), Dir("opaque"),
                      File("opaque/.wh..wh..opq", ""), File("opaque/new", "n")},
                     Compression::kGzip));
  std::string root = JoinPath(dir, "store");
  ASSERT_OK(MakeDirs(root));
  const uid_t kNobody = 65534;
  ASSERT_EQ(chown(root.c_str(), kNobody, kNobody), 0);

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto fail = [&](const std::string& what) {
      std::string msg = what + "\n";
      ssize_t n = write(fds[1], msg.data(), msg.size());
      (void)n;
      _exit(1);
    };
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 ||
        setuid(kNobody) != 0) {
      fail("drop to nobody");
    }
    // setuid made the process undumpable, which leaves /proc/self to root.
    prctl(PR_SET_DUMPABLE, 1);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) fail("unshare");
    if (!WriteExistingFile("/proc/self/setgroups", "deny").ok() ||
        !WriteExistingFile("/proc/self/uid_map", "0 65534 1").ok() ||
        !WriteExistingFile("/proc/self/gid_map", "0 65534 1").ok()) {
      fail("id maps");
    }
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      fail("private mounts");
    }
    absl::StatusOr<std::unique_ptr<SnapshotStore>> store =
        SnapshotStore::Open(root);
    if (!store.ok()) fail(std::string(store.status().message()));
    for (const auto& [id, tar] :
         {std::make_pair(kChainA, lower), std::make_pair(kChainB, upper)}) {
      std::string path = tar;
      absl::StatusOr<std::string> fs =
          (*store)->Ensure(id, [&](const std::string& fs_dir) {
            return ApplyLayerFromFile(path, fs_dir, ApplyOptions()).status();
          });
      if (!fs.ok()) fail(std::string(fs.status().message()));
    }
    absl::StatusOr<OverlayMount> m = (*store)->Prepare("c", {kChainA, kChainB});
    if (!m.ok()) fail(std::string(m.status().message()));
    if (!m->userxattr) fail("userxattr not chosen");
    SyscallMounter mounter;
    absl::Status s = mounter.Mount(*m);
    if (!s.ok()) fail(std::string(s.message()));
    if (PathExists(JoinPath(m->target, "etc/gone"))) fail("etc/gone visible");
    if (!PathExists(JoinPath(m->target, "etc/kept"))) fail("etc/kept missing");
    if (PathExists(JoinPath(m->target, "opaque/old")))
      fail("opaque/old visible");
    if (!PathExists(JoinPath(m->target, "opaque/new")))
      fail("opaque/new missing");
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) msg.append(buf, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << msg;
}

}  // namespace
}  // namespace crate::registry
