#include "runtime/linux/secure_join.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::linux {
namespace {

template <typename T>
T ValueOr(absl::StatusOr<T> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : T{};
}

class SecureJoinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(root_, MakeTempDir("secure_join_test"));
    ASSERT_OK(MakeDirs(JoinPath(root_, "a/b")));
    ASSERT_EQ(symlink("/etc", JoinPath(root_, "abs").c_str()), 0);
    ASSERT_EQ(symlink("../../..", JoinPath(root_, "a/b/up").c_str()), 0);
    ASSERT_EQ(symlink("b", JoinPath(root_, "a/rel").c_str()), 0);
    ASSERT_EQ(symlink("loop", JoinPath(root_, "loop").c_str()), 0);
  }
  void TearDown() override { ASSERT_OK(RemoveTree(root_)); }
  std::string root_;
};

TEST_F(SecureJoinTest, PlainPaths) {
  EXPECT_EQ(ValueOr(SecureJoin(root_, "/a/b/c")), JoinPath(root_, "a/b/c"));
  EXPECT_EQ(ValueOr(SecureJoin(root_, "a//./b")), JoinPath(root_, "a/b"));
  EXPECT_EQ(ValueOr(SecureJoin(root_, "/")), root_);
}

TEST_F(SecureJoinTest, DotDotStopsAtRoot) {
  EXPECT_EQ(ValueOr(SecureJoin(root_, "/../../etc/passwd")),
            JoinPath(root_, "etc/passwd"));
}

TEST_F(SecureJoinTest, SymlinksStayInside) {
  EXPECT_EQ(ValueOr(SecureJoin(root_, "/abs/passwd")),
            JoinPath(root_, "etc/passwd"));
  EXPECT_EQ(ValueOr(SecureJoin(root_, "/a/b/up/x")), JoinPath(root_, "x"));
  EXPECT_EQ(ValueOr(SecureJoin(root_, "/a/rel/c")), JoinPath(root_, "a/b/c"));
}

TEST_F(SecureJoinTest, LoopsAreErrors) {
  EXPECT_FALSE(SecureJoin(root_, "/loop/x").ok());
}

TEST_F(SecureJoinTest, MkdirAllFollowsLinksInside) {
  ASSERT_OK_AND_ASSIGN(std::string p, SecureMkdirAll(root_, "/abs/new"));
  EXPECT_EQ(p, JoinPath(root_, "etc/new"));
  EXPECT_TRUE(PathExists(p));
}

}  // namespace
}  // namespace crate::linux
