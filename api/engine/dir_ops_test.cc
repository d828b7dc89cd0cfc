#include "api/engine/dir_ops.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

class DirOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("dir_ops_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }

  std::string Path(const std::string& name) { return JoinPath(root_, name); }

  std::string root_;
};

TEST_F(DirOpsTest, RenameNoReplaceRefusesAnExistingTarget) {
  ASSERT_OK(MakeDirs(Path("a")));
  ASSERT_OK(WriteFileAtomic(Path("a/f"), "a"));
  ASSERT_OK(MakeDirs(Path("b")));
  ASSERT_OK(WriteFileAtomic(Path("b/f"), "b"));
  EXPECT_THAT(RenameNoReplace(Path("a"), Path("b")),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("b")));
  ASSERT_OK_AND_ASSIGN(std::string kept, ReadFile(Path("b/f")));
  EXPECT_EQ(kept, "b");
  ASSERT_OK(RenameNoReplace(Path("a"), Path("c")));
  EXPECT_FALSE(PathExists(Path("a")));
  EXPECT_TRUE(PathExists(Path("c/f")));
}

TEST_F(DirOpsTest, RenameAwayHidesTheEntry) {
  ASSERT_OK(MakeDirs(Path("vol/_data")));
  ASSERT_OK_AND_ASSIGN(std::string away, RenameAway(Path("vol")));
  EXPECT_FALSE(PathExists(Path("vol")));
  EXPECT_TRUE(absl::StartsWith(away, Path(".removing-"))) << away;
  EXPECT_TRUE(PathExists(JoinPath(away, "_data")));
  EXPECT_THAT(RenameAway(Path("vol")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("vol")));
}

TEST_F(DirOpsTest, TreeSizeCountsFilesAndHardLinksOnce) {
  ASSERT_OK(MakeDirs(Path("t/sub/deeper")));
  ASSERT_OK(WriteFileAtomic(Path("t/a"), std::string(1000, 'a')));
  ASSERT_OK(WriteFileAtomic(Path("t/sub/b"), std::string(200, 'b')));
  ASSERT_OK(WriteFileAtomic(Path("t/sub/deeper/c"), std::string(30, 'c')));
  ASSERT_EQ(::link(Path("t/a").c_str(), Path("t/sub/a-again").c_str()), 0);
  ASSERT_EQ(::symlink("a", Path("t/s").c_str()), 0);  // 1 byte: "a"
  ASSERT_OK_AND_ASSIGN(uint64_t size, TreeSize(Path("t")));
  EXPECT_EQ(size, 1000u + 200u + 30u + 1u);
  EXPECT_THAT(TreeSize(Path("missing")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

TEST_F(DirOpsTest, SyncDir) {
  EXPECT_OK(SyncDir(root_));
  EXPECT_THAT(SyncDir(Path("missing")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

}  // namespace
}  // namespace crate::engine
