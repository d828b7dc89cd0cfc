#include "registry/unpack/snapshot.h"

#include <sys/mount.h>
#include <sys/stat.h>
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

}  // namespace
}  // namespace crate::registry
