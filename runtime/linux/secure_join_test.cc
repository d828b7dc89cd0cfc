#include "runtime/linux/secure_join.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::linux {
namespace {

using ::crate::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

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

std::string FdTarget(const UniqueFd& fd) {
  char buf[4096];
  ssize_t n = readlink(ProcFdPath(fd.get()).c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : "";
}

TEST_F(SecureJoinTest, OpenInRootPinsTheCheckedPath) {
  std::string target = ValueOr(SecureJoin(root_, "/a/b"));
  ASSERT_OK_AND_ASSIGN(UniqueFd fd, OpenInRoot(root_, target));
  EXPECT_EQ(FdTarget(fd), JoinPath(root_, "a/b"));
  ASSERT_OK_AND_ASSIGN(UniqueFd top, OpenInRoot(root_, root_));
  EXPECT_EQ(FdTarget(top), root_);
}

// The path checked by SecureJoin is swapped for a symlink to a host
// directory before the mount: the open resolves it inside the root.
TEST_F(SecureJoinTest, OpenInRootAfterSwapStaysInside) {
  ASSERT_OK_AND_ASSIGN(std::string host, MakeTempDir("secure_join_host"));
  std::string target = ValueOr(SecureJoin(root_, "/a/swap"));
  ASSERT_EQ(symlink(host.c_str(), target.c_str()), 0);
  // The host path does not exist inside the root: nothing to open.
  EXPECT_THAT(OpenInRoot(root_, target),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(target)));
  ASSERT_OK(MakeDirs(JoinPath(root_, host)));
  ASSERT_OK_AND_ASSIGN(UniqueFd fd, OpenInRoot(root_, target));
  EXPECT_EQ(FdTarget(fd), JoinPath(root_, host));
  ASSERT_OK(RemoveTree(host));
}

TEST_F(SecureJoinTest, OpenInRootRefusesPathsOutside) {
  EXPECT_THAT(OpenInRoot(root_, "/etc"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/etc")));
  EXPECT_THAT(OpenInRoot(root_, root_ + "x/y"),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
}

}  // namespace
}  // namespace crate::linux
