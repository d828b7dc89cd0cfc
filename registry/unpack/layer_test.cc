#include "registry/unpack/layer.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/reference/digest.h"
#include "registry/unpack/test_tar.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using testing::Compression;
using testing::Dir;
using testing::File;
using testing::Hardlink;
using ::testing::HasSubstr;
using testing::Symlink;
using testing::TarEntry;
using ::testing::UnorderedElementsAre;
using testing::WriteTar;

std::string ReadOrDie(const std::string& path) {
  absl::StatusOr<std::string> s = ReadFile(path);
  return s.ok() ? *s : "<" + std::string(s.status().message()) + ">";
}

class LayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("layer_test"));
    // Everything the layer may write goes under target_; outside_ is a
    // sibling whose content must never change.
    target_ = JoinPath(tmp_, "sub/target");
    outside_ = JoinPath(tmp_, "sub/outside");
    ASSERT_OK(MakeDirs(outside_));
    ASSERT_OK(WriteFileAtomic(JoinPath(outside_, "passwd"), "root:x:0:0\n"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(tmp_)); }

  std::string Tar(const std::vector<TarEntry>& entries,
                  Compression c = Compression::kGzip) {
    std::string path = JoinPath(tmp_, absl::StrCat("layer", ++n_, ".tar"));
    EXPECT_OK(WriteTar(path, entries, c));
    return path;
  }

  ApplyOptions Options(WhiteoutMode mode = WhiteoutMode::kOverlay) {
    ApplyOptions o;
    o.layer_name = "sha256:test";
    o.whiteouts = mode;
    return o;
  }

  void ExpectOutsideUntouched() {
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, ListDir(outside_));
    EXPECT_THAT(names, UnorderedElementsAre("passwd"));
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> sub,
                         ListDir(JoinPath(tmp_, "sub")));
    EXPECT_THAT(sub, UnorderedElementsAre("outside"));  // target removed
    EXPECT_EQ(ReadOrDie(JoinPath(outside_, "passwd")), "root:x:0:0\n");
  }

  std::string tmp_, target_, outside_;
  int n_ = 0;
};

class CompressionTest : public LayerTest,
                        public ::testing::WithParamInterface<Compression> {};

TEST_P(CompressionTest, AppliesEntriesWithMetadata) {
  TarEntry suid = File("bin/su", "#!/bin/sh\n", 04755);
  suid.uid = 1000;
  suid.gid = 100;
  suid.mtime = 1234567890;
  TarEntry attr = File("etc/attr", "x");
  attr.xattrs = {{"user.crate", "value"}};
  TarEntry ro = Dir("ro", 0555);
  ro.mtime = 1111111111;
  std::vector<TarEntry> entries = {
      Dir("./"),
      Dir("bin"),
      suid,
      Dir("etc"),
      File("etc/hostname", "box\n"),
      attr,
      Symlink("etc/link", "/etc/hostname"),
      Hardlink("etc/hard", "etc/hostname"),
      ro,
      File("ro/inside", "data"),
      File("implicit/parent/file", "p"),
  };
  std::string plain = Tar(entries, Compression::kNone);
  std::string layer = Tar(entries, GetParam());
  ASSERT_OK_AND_ASSIGN(ApplyResult r,
                       ApplyLayerFromFile(layer, target_, Options()));
  ASSERT_OK_AND_ASSIGN(std::string plain_bytes, ReadFile(plain));
  EXPECT_EQ(r.diff_id, Digest::Sha256Of(plain_bytes).ToString());
  EXPECT_EQ(r.uncompressed_bytes, plain_bytes.size());
  EXPECT_EQ(r.entries, entries.size());

  EXPECT_EQ(ReadOrDie(JoinPath(target_, "etc/hostname")), "box\n");
  EXPECT_EQ(ReadOrDie(JoinPath(target_, "implicit/parent/file")), "p");
  struct stat st;
  ASSERT_EQ(lstat(JoinPath(target_, "bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755);
  EXPECT_EQ(st.st_mtime, 1234567890);
  if (geteuid() == 0) {
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 100u);
  }
  ASSERT_EQ(lstat(JoinPath(target_, "ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555);
  EXPECT_EQ(st.st_mtime, 1111111111);  // Set after its child was written.

  char buf[64] = {};
  ssize_t n = readlink(JoinPath(target_, "etc/link").c_str(), buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "/etc/hostname");
  struct stat a, b;
  ASSERT_EQ(stat(JoinPath(target_, "etc/hard").c_str(), &a), 0);
  ASSERT_EQ(stat(JoinPath(target_, "etc/hostname").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  n = getxattr(JoinPath(target_, "etc/attr").c_str(), "user.crate", buf,
               sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "value");
}

INSTANTIATE_TEST_SUITE_P(All, CompressionTest,
                         ::testing::Values(Compression::kNone,
                                           Compression::kGzip,
                                           Compression::kZstd));

TEST_F(LayerTest, OverlayWhiteoutsBecomeCharDevicesAndOpaqueXattrs) {
  if (geteuid() != 0) GTEST_SKIP() << "needs CAP_MKNOD and trusted xattrs";
  std::string layer = Tar({
      File(".wh.gone", ""),
      Dir("dir"),
      File("dir/.wh..wh..opq", ""),
      File("dir/new", "n"),
  });
  ASSERT_OK(ApplyLayerFromFile(layer, target_, Options()).status());
  struct stat st;
  ASSERT_EQ(lstat(JoinPath(target_, "gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char v[4] = {};
  EXPECT_EQ(getxattr(JoinPath(target_, "dir").c_str(), "trusted.overlay.opaque",
                     v, sizeof(v)),
            1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(PathExists(JoinPath(target_, "dir/.wh..wh..opq")));
  EXPECT_TRUE(PathExists(JoinPath(target_, "dir/new")));
}

TEST_F(LayerTest, RootlessOpaqueDirectoriesUseUserXattrs) {
  ApplyOptions o = Options();
  o.opaque_xattr = "user.overlay.opaque";
  ASSERT_OK(ApplyLayerFromFile(Tar({Dir("dir"), File("dir/.wh..wh..opq", "")}),
                               target_, o)
                .status());
  char v[4] = {};
  EXPECT_EQ(getxattr(JoinPath(target_, "dir").c_str(), "user.overlay.opaque", v,
                     sizeof(v)),
            1);
  EXPECT_EQ(v[0], 'y');
}

TEST_F(LayerTest, DirectoryRecreatedAfterItsWhiteoutIsOpaque) {
  if (geteuid() != 0) GTEST_SKIP() << "needs CAP_MKNOD and trusted xattrs";
  ASSERT_OK(
      ApplyLayerFromFile(Tar({File(".wh.d", ""), Dir("d"), File("d/new", "n")}),
                         target_, Options())
          .status());
  char v[4] = {};
  EXPECT_EQ(getxattr(JoinPath(target_, "d").c_str(), "trusted.overlay.opaque",
                     v, sizeof(v)),
            1);
  EXPECT_TRUE(PathExists(JoinPath(target_, "d/new")));
}

TEST_F(LayerTest, ForgedOverlayXattrsAreDropped) {
  if (geteuid() != 0) GTEST_SKIP() << "needs trusted xattrs";
  TarEntry d = Dir("d");
  d.xattrs = {{"trusted.overlay.opaque", "y"}};
  ASSERT_OK(ApplyLayerFromFile(Tar({d}), target_, Options()).status());
  char v[4];
  EXPECT_LT(getxattr(JoinPath(target_, "d").c_str(), "trusted.overlay.opaque",
                     v, sizeof(v)),
            0);
}

TEST_F(LayerTest, FlattenDeletesFromTheTreeBelow) {
  ASSERT_OK(ApplyLayerFromFile(Tar({
                                   File("x", "x"),
                                   Dir("a"),
                                   File("a/old", "o"),
                                   Dir("a/sub"),
                                   File("a/sub/deep", "d"),
                                   File("keep", "k"),
                                   Symlink("s", "/"),
                               }),
                               target_, Options(WhiteoutMode::kFlatten))
                .status());
  ASSERT_OK(ApplyLayerFromFile(Tar({
                                   File(".wh.x", ""),
                                   Dir("a"),
                                   File("a/new", "n"),
                                   Dir("a/sub"),
                                   File("a/.wh..wh..opq", ""),
                                   Dir("s"),  // Replaces the symlink.
                                   File("s/f", "f"),
                               }),
                               target_, Options(WhiteoutMode::kFlatten))
                .status());
  EXPECT_FALSE(PathExists(JoinPath(target_, "x")));
  EXPECT_FALSE(PathExists(JoinPath(target_, "a/old")));
  EXPECT_FALSE(PathExists(JoinPath(target_, "a/sub/deep")));
  EXPECT_TRUE(PathExists(JoinPath(target_, "a/sub")));
  EXPECT_EQ(ReadOrDie(JoinPath(target_, "a/new")), "n");
  EXPECT_EQ(ReadOrDie(JoinPath(target_, "keep")), "k");
  EXPECT_EQ(ReadOrDie(JoinPath(target_, "s/f")), "f");
  EXPECT_FALSE(PathExists("/f.crate-never"));
}

TEST_F(LayerTest, DevicesAndFifos) {
  TarEntry null_dev;
  null_dev.path = "dev/null";
  null_dev.type = TarEntry::Type::kChar;
  null_dev.dev_major = 1;
  null_dev.dev_minor = 3;
  null_dev.mode = 0666;
  TarEntry fifo;
  fifo.path = "run/fifo";
  fifo.type = TarEntry::Type::kFifo;
  fifo.mode = 0600;
  ASSERT_OK_AND_ASSIGN(ApplyResult r, ApplyLayerFromFile(Tar({null_dev, fifo}),
                                                         target_, Options()));
  struct stat st;
  ASSERT_EQ(lstat(JoinPath(target_, "run/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  if (geteuid() == 0) {
    ASSERT_EQ(lstat(JoinPath(target_, "dev/null").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    EXPECT_EQ(st.st_mode & 0777, 0666);
  } else {
    EXPECT_EQ(r.skipped_devices, 1u);
  }
}

struct Malicious {
  const char* name;
  std::vector<TarEntry> entries;
  const char* message;
};

class MaliciousTest : public LayerTest,
                      public ::testing::WithParamInterface<Malicious> {};

TEST_P(MaliciousTest, IsRefusedAndLeavesNothing) {
  absl::StatusOr<ApplyResult> r =
      ApplyLayerFromFile(Tar(GetParam().entries), target_, Options());
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kPermissionDenied,
                          ::testing::AllOf(HasSubstr("layer sha256:test"),
                                           HasSubstr(GetParam().message))));
  ExpectOutsideUntouched();
  EXPECT_FALSE(PathExists("/tmp/crate_layer_test_absolute"));
}

INSTANTIATE_TEST_SUITE_P(
    All, MaliciousTest,
    ::testing::Values(
        Malicious{"DotDot", {File("../outside/x", "evil")}, "contains \"..\""},
        Malicious{"DotDotDeep",
                  {Dir("a"), File("a/../../outside/passwd", "evil")},
                  "contains \"..\""},
        Malicious{"Absolute",
                  {File("/tmp/crate_layer_test_absolute", "evil")},
                  "absolute path"},
        Malicious{"SymlinkToRoot",
                  {Symlink("a", "/"), File("a/etc/passwd", "evil")},
                  "reaches outside the layer"},
        Malicious{"SymlinkUp",
                  {Symlink("a", "../outside"), File("a/passwd", "evil")},
                  "reaches outside the layer"},
        Malicious{"SymlinkChain",
                  {Dir("d"), Symlink("d/up", ".."), Symlink("b", "d/up/.."),
                   File("b/outside/passwd", "evil")},
                  "reaches outside the layer"},
        Malicious{"HardlinkUp",
                  {Hardlink("h", "../../etc/passwd")},
                  "hard link target contains \"..\""},
        Malicious{"HardlinkThroughSymlink",
                  {Symlink("a", "../outside"), Hardlink("h", "a/passwd")},
                  "reaches outside the layer"},
        Malicious{"HardlinkAbsolute",
                  {Hardlink("h", "/etc/passwd")},
                  "hard link target is an absolute path"}),
    [](const ::testing::TestParamInfo<Malicious>& info) {
      return info.param.name;
    });

// Applies `layer` in a child process whose files cannot grow past
// `max_file_size` (RLIMIT_FSIZE, with SIGXFSZ ignored so that such a write
// fails with EFBIG instead of killing it). A bound that let one byte too
// many reach the disk would show as that write's error instead of the
// bound's own.
absl::Status ApplyWithFileSizeLimit(const std::string& layer,
                                    const std::string& target,
                                    const ApplyOptions& options,
                                    rlim_t max_file_size) {
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError("pipe");
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork");
  if (pid == 0) {
    close(fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {max_file_size, max_file_size};
    std::string out;
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) {
      out = "13 setrlimit failed";
    } else {
      absl::Status s = ApplyLayerFromFile(layer, target, options).status();
      out = absl::StrCat(static_cast<int>(s.code()), " ", s.message());
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) got.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || got.empty()) {
    return absl::InternalError(absl::StrCat("child ended with ", status));
  }
  size_t space = got.find(' ');
  int code = 0;
  if (space == std::string::npos ||
      !absl::SimpleAtoi(got.substr(0, space), &code)) {
    return absl::InternalError("child said " + got);
  }
  return absl::Status(static_cast<absl::StatusCode>(code),
                      got.substr(space + 1));
}

TEST_F(LayerTest, DecompressionBombIsRefused) {
  TarEntry big = File("zeros", "");
  big.zeros = 64 << 20;
  std::string layer = Tar({big}, Compression::kGzip);
  struct stat st;
  ASSERT_EQ(stat(layer.c_str(), &st), 0);
  EXPECT_LT(st.st_size, 1 << 20);
  ApplyOptions o = Options();
  o.max_uncompressed_bytes = 8 << 20;
  EXPECT_THAT(ApplyWithFileSizeLimit(layer, target_, o, 8 << 20),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       ::testing::AllOf(HasSubstr("layer sha256:test"),
                                        HasSubstr("more than 8388608 bytes"),
                                        HasSubstr("the configured limit"))));
  // The partly written file went with the directory the call created.
  ExpectOutsideUntouched();
}

TEST_F(LayerTest, ImageBoundStopsABombInsideOneFile) {
  TarEntry big = File("zeros", "");
  big.zeros = 64 << 20;
  std::string layer = Tar({big}, Compression::kGzip);
  ImageUnpackBudget budget("crate-test/bomb:1", 8 << 20);
  ApplyOptions o = Options();
  o.image_budget = &budget;
  // Well under the bound per layer: the image's bound is what stops it.
  ASSERT_GT(o.max_uncompressed_bytes, uint64_t{64} << 20);
  EXPECT_THAT(
      ApplyWithFileSizeLimit(layer, target_, o, 8 << 20),
      StatusIs(absl::StatusCode::kResourceExhausted,
               ::testing::AllOf(HasSubstr("layer sha256:test"),
                                HasSubstr("image crate-test/bomb:1"),
                                HasSubstr("more than 8388608 bytes together"),
                                HasSubstr("the configured limit per image"))));
  ExpectOutsideUntouched();
}

TEST_F(LayerTest, ImageBoundCountsEveryLayer) {
  // Two layers of 6 MiB each: under the bound per layer, over the image's.
  TarEntry a = File("a", "");
  a.zeros = 6 << 20;
  TarEntry b = File("b", "");
  b.zeros = 6 << 20;
  std::string first = Tar({a}), second = Tar({b});
  ImageUnpackBudget budget("crate-test/two:1", 10 << 20);
  ApplyOptions o = Options();
  o.max_uncompressed_bytes = 8 << 20;
  o.image_budget = &budget;
  o.layer_name = "1 of crate-test/two:1";
  const std::string one = JoinPath(tmp_, "one"), two = JoinPath(tmp_, "two");
  ASSERT_OK_AND_ASSIGN(ApplyResult r1, ApplyLayerFromFile(first, one, o));
  EXPECT_GT(r1.uncompressed_bytes, uint64_t{6} << 20);
  EXPECT_EQ(budget.used(), r1.uncompressed_bytes);

  o.layer_name = "2 of crate-test/two:1";
  EXPECT_THAT(
      ApplyLayerFromFile(second, two, o),
      StatusIs(absl::StatusCode::kResourceExhausted,
               ::testing::AllOf(HasSubstr("layer 2 of crate-test/two:1"),
                                HasSubstr("image crate-test/two:1"),
                                HasSubstr("more than 10485760 bytes together"),
                                HasSubstr("the configured limit per image"))));
  EXPECT_FALSE(PathExists(two));
  // What the refused layer counted left the disk with it.
  EXPECT_EQ(budget.used(), r1.uncompressed_bytes);
  struct stat st;
  ASSERT_EQ(stat(JoinPath(one, "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 6 << 20);

  // Alone, the second layer fits.
  ImageUnpackBudget fresh("crate-test/one:1", 10 << 20);
  o.image_budget = &fresh;
  EXPECT_OK(ApplyLayerFromFile(second, two, o).status());
}

TEST(ImageUnpackBudgetTest, ThreadsNeverTakeMoreThanTheLimit) {
  ImageUnpackBudget budget("x", 25000);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        if (budget.Take(1, "layer").ok()) ++granted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(granted.load(), 25000);
  EXPECT_EQ(budget.used(), 25000u);
  EXPECT_THAT(budget.Take(uint64_t{1} << 63, "layer huge"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("layer huge: image x")));
  budget.Release(5000);
  EXPECT_OK(budget.Take(5000, "layer"));
}

TEST_F(LayerTest, CorruptStreamIsAnError) {
  std::string layer = Tar({File("a", std::string(100000, 'a'))});
  ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFile(layer));
  bytes.resize(bytes.size() / 2);
  ASSERT_OK(WriteFileAtomic(layer, bytes));
  EXPECT_THAT(ApplyLayerFromFile(layer, target_, Options()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("sha256:test")));
  ExpectOutsideUntouched();
}

}  // namespace
}  // namespace crate::registry
