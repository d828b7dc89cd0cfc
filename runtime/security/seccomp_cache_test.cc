#include "runtime/security/seccomp_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/security/defaults.h"

namespace crate {
namespace security {
namespace {

class SeccompCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crate-seccomp-cache.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    dir_ = JoinPath(base_, "cache");
  }
  void TearDown() override { RemoveTree(base_).IgnoreError(); }

  // The one file the cache holds.
  std::string OnlyFile() {
    std::string found;
    for (const std::string& name : ListDirOrEmpty(dir_)) {
      EXPECT_TRUE(found.empty()) << "more than one file";
      found = JoinPath(dir_, name);
    }
    return found;
  }
  static std::vector<std::string> ListDirOrEmpty(const std::string& dir) {
    absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
    return names.ok() ? *names : std::vector<std::string>{};
  }

  std::string base_, dir_;
};

SeccompConfig Docker() { return DefaultSeccompProfile({}); }

bool SameProgram(const SeccompProgram& a, const SeccompProgram& b) {
  return EncodeSeccompProgram(a) == EncodeSeccompProgram(b) &&
         a.unknown_syscalls == b.unknown_syscalls;
}

TEST_F(SeccompCacheTest, MissThenHitGiveTheCompiledProgram) {
  ASSERT_OK_AND_ASSIGN(SeccompProgram direct, CompileSeccomp(Docker()));
  ASSERT_OK_AND_ASSIGN(SeccompProgram first,
                       CompileSeccompCached(Docker(), dir_));
  EXPECT_TRUE(SameProgram(direct, first));
  std::string file = OnlyFile();
  ASSERT_FALSE(file.empty());
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  struct stat dir_st;
  ASSERT_EQ(stat(dir_.c_str(), &dir_st), 0);
  EXPECT_EQ(dir_st.st_mode & 07777, 0700u);
  ASSERT_OK_AND_ASSIGN(SeccompProgram second,
                       CompileSeccompCached(Docker(), dir_));
  EXPECT_TRUE(SameProgram(direct, second));
  EXPECT_EQ(OnlyFile(), file);  // read back, not written again
}

TEST_F(SeccompCacheTest, EveryFieldIsInTheKey) {
  const std::string base = SeccompCacheKey(Docker());
  EXPECT_EQ(base, SeccompCacheKey(Docker()));
  std::vector<SeccompConfig> variants(8, Docker());
  variants[0].default_action = SeccompAction::kKillProcess;
  variants[1].default_errno_ret = 38;
  variants[2].architectures.push_back("SCMP_ARCH_X86");
  variants[3].flags.push_back("SECCOMP_FILTER_FLAG_LOG");
  variants[4].binary_tree = true;
  variants[5].syscalls[0].names.push_back("getpid");
  variants[6].syscalls[0].errno_ret = 1;
  SeccompArg arg;
  arg.index = 1;
  variants[7].syscalls[0].args.push_back(arg);
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(SeccompCacheKey(variants[i]), base) << "variant " << i;
  }
  // Length prefixes: names that concatenate alike differ.
  SeccompConfig a = Docker(), b = Docker();
  a.syscalls[0].names = {"ab", "c"};
  b.syscalls[0].names = {"a", "bc"};
  EXPECT_NE(SeccompCacheKey(a), SeccompCacheKey(b));
}

TEST_F(SeccompCacheTest, CorruptOrForeignFilesAreCompiledAgain) {
  ASSERT_OK_AND_ASSIGN(SeccompProgram direct, CompileSeccomp(Docker()));
  ASSERT_OK(CompileSeccompCached(Docker(), dir_).status());
  std::string file = OnlyFile();
  for (const std::string& junk :
       {std::string(""), std::string("crate-seccomp-cache 1 5 0\nab"),
        std::string("crate-seccomp-cache 1 999999999 0\n"),
        std::string(4096, 'x')}) {
    ASSERT_OK(WriteFileAtomic(file, junk, 0600));
    ASSERT_OK_AND_ASSIGN(SeccompProgram p,
                         CompileSeccompCached(Docker(), dir_));
    EXPECT_TRUE(SameProgram(direct, p));
  }
  // A file holding another config's program under this config's name (a
  // clash of the file name's hash) is not taken for this one's.
  SeccompConfig other = Docker();
  other.default_errno_ret = 38;
  ASSERT_OK(CompileSeccompCached(other, base_).status());
  std::string other_file;
  for (const std::string& n : ListDirOrEmpty(base_)) {
    if (n != "cache") other_file = JoinPath(base_, n);
  }
  ASSERT_FALSE(other_file.empty());
  ASSERT_OK_AND_ASSIGN(std::string foreign, ReadFile(other_file, 4 << 20));
  ASSERT_OK(WriteFileAtomic(file, foreign, 0600));
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccompCached(Docker(), dir_));
  EXPECT_TRUE(SameProgram(direct, p));
}

TEST_F(SeccompCacheTest, ALinkInTheCacheIsNotFollowed) {
  ASSERT_OK(CompileSeccompCached(Docker(), dir_).status());
  std::string file = OnlyFile();
  // A valid program for another config, planted behind a symlink.
  SeccompConfig other = Docker();
  other.default_errno_ret = 38;
  ASSERT_OK(CompileSeccompCached(other, base_).status());
  std::string target;
  for (const std::string& n : ListDirOrEmpty(base_)) {
    if (n != "cache") target = JoinPath(base_, n);
  }
  ASSERT_EQ(unlink(file.c_str()), 0);
  ASSERT_EQ(symlink(target.c_str(), file.c_str()), 0);
  ASSERT_OK_AND_ASSIGN(SeccompProgram direct, CompileSeccomp(Docker()));
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccompCached(Docker(), dir_));
  EXPECT_TRUE(SameProgram(direct, p));
}

TEST_F(SeccompCacheTest, NoCacheDirectoryOnlyCostsTheCompile) {
  ASSERT_OK_AND_ASSIGN(SeccompProgram direct, CompileSeccomp(Docker()));
  ASSERT_OK_AND_ASSIGN(SeccompProgram p, CompileSeccompCached(Docker(), ""));
  EXPECT_TRUE(SameProgram(direct, p));
  // A path under a regular file cannot be made.
  std::string file = JoinPath(base_, "file");
  ASSERT_OK(WriteFileAtomic(file, "x", 0600));
  ASSERT_OK_AND_ASSIGN(p, CompileSeccompCached(Docker(), JoinPath(file, "c")));
  EXPECT_TRUE(SameProgram(direct, p));
}

TEST_F(SeccompCacheTest, CompileErrorsStayErrors) {
  SeccompConfig bad = Docker();
  bad.architectures.push_back("SCMP_ARCH_NOPE");
  EXPECT_FALSE(CompileSeccompCached(bad, dir_).ok());
  EXPECT_TRUE(ListDirOrEmpty(dir_).empty());
}

}  // namespace
}  // namespace security
}  // namespace crate
