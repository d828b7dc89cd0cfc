#include "runtime/container/paths.h"

#include "gtest/gtest.h"

namespace crate::container {
namespace {

TEST(CleanAbsolutePathTest, CleansLikeGo) {
  EXPECT_EQ(CleanAbsolutePath("/"), "/");
  EXPECT_EQ(CleanAbsolutePath("/data/"), "/data");
  EXPECT_EQ(CleanAbsolutePath("//data//x"), "/data/x");
  EXPECT_EQ(CleanAbsolutePath("/data/./x/."), "/data/x");
  EXPECT_EQ(CleanAbsolutePath("/data/../x"), "/x");
  EXPECT_EQ(CleanAbsolutePath("/../../etc"), "/etc");
  EXPECT_EQ(CleanAbsolutePath("/a/b/.."), "/a");
}

TEST(PathDepthTest, CountsComponents) {
  EXPECT_EQ(PathDepth("/"), 0);
  EXPECT_EQ(PathDepth("/a"), 1);
  EXPECT_EQ(PathDepth("/a/b/c"), 3);
}

}  // namespace
}  // namespace crate::container
