#include "api/engine/tree_usage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::engine {
namespace {

class TreeUsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("tree_usage_test"));
  }
  void TearDown() override { ASSERT_OK(RemoveTree(dir_)); }

  std::string Path(const std::string& name) const {
    return JoinPath(dir_, name);
  }
  void Write(const std::string& name, size_t bytes) {
    ASSERT_OK(WriteFileAtomic(Path(name), std::string(bytes, 'x'), 0644));
  }
  void Mkdir(const std::string& name) {
    ASSERT_EQ(mkdir(Path(name).c_str(), 0755), 0) << name;
  }

  std::string dir_;
};

TEST_F(TreeUsageTest, CountsFilesNotDirectories) {
  Mkdir("a");
  Mkdir("a/b");
  Write("top", 10);
  Write("a/one", 100);
  Write("a/b/two", 1000);
  TreeUsage usage;
  ASSERT_OK_AND_ASSIGN(uint64_t bytes, usage.Add(dir_));
  EXPECT_EQ(bytes, 1110u);
  EXPECT_FALSE(usage.truncated());
}

TEST_F(TreeUsageTest, HardLinksCountOnceAcrossCalls) {
  Mkdir("a");
  Mkdir("b");
  Write("a/file", 500);
  ASSERT_EQ(link(Path("a/file").c_str(), Path("a/again").c_str()), 0);
  ASSERT_EQ(link(Path("a/file").c_str(), Path("b/elsewhere").c_str()), 0);
  TreeUsage usage;
  ASSERT_OK_AND_ASSIGN(uint64_t a, usage.Add(Path("a")));
  EXPECT_EQ(a, 500u);
  ASSERT_OK_AND_ASSIGN(uint64_t b, usage.Add(Path("b")));
  EXPECT_EQ(b, 0u);  // counted under a already
  TreeUsage fresh;
  ASSERT_OK_AND_ASSIGN(b, fresh.Add(Path("b")));
  EXPECT_EQ(b, 500u);
}

TEST_F(TreeUsageTest, SymlinksAreNotFollowed) {
  Mkdir("tree");
  Mkdir("big");
  Write("big/data", 4096);
  ASSERT_EQ(symlink("../big", Path("tree/dirlink").c_str()), 0);
  ASSERT_EQ(symlink("../big/data", Path("tree/filelink").c_str()), 0);
  TreeUsage usage;
  ASSERT_OK_AND_ASSIGN(uint64_t bytes, usage.Add(Path("tree")));
  // The links themselves: the length of their targets.
  EXPECT_EQ(bytes,
            std::string("../big").size() + std::string("../big/data").size());
  // A symlink given as the root is not followed either.
  ASSERT_OK_AND_ASSIGN(bytes, usage.Add(Path("tree/dirlink")));
  EXPECT_EQ(bytes, std::string("../big").size());
}

TEST_F(TreeUsageTest, MissingPathAndSingleFile) {
  TreeUsage usage;
  ASSERT_OK_AND_ASSIGN(uint64_t bytes, usage.Add(Path("nothing")));
  EXPECT_EQ(bytes, 0u);
  Write("log", 77);
  ASSERT_OK_AND_ASSIGN(bytes, usage.Add(Path("log")));
  EXPECT_EQ(bytes, 77u);
}

TEST_F(TreeUsageTest, DeepTreesStopAtTheLimit) {
  std::string rel;
  for (size_t i = 0; i < TreeUsage::kMaxDepth + 5; ++i) {
    rel = rel.empty() ? "d" : rel + "/d";
    Mkdir(rel);
  }
  Write("shallow", 3);
  Write(rel + "/deep", 5);
  TreeUsage usage;
  ASSERT_OK_AND_ASSIGN(uint64_t bytes, usage.Add(dir_));
  EXPECT_EQ(bytes, 3u);
  EXPECT_TRUE(usage.truncated());
}

}  // namespace
}  // namespace crate::engine
